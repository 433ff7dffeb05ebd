"""Scripted agent sessions: rules that say what the model answers to which turn.

A scenario lets a real agent (Claude Code) run a real tool round trip against the emulator: the first rule makes
the model call ``Read`` on a given file, the second answers from the tool result. Rules are tried in order on
every inference request; the first that matches scripts the answer, and a request no rule matches is answered
as usual (text). A scripted tool call is made only when the request offers that tool.

Format (JSON, or YAML when PyYAML is installed), from ``--scenario FILE`` / ``BEDROCK_EMULATOR_SCENARIO`` or
``PUT /emulator/scenario``::

    {"rules": [
      {"when": {"user_text_contains": "summarise notes.txt"},
       "reply": {"tool_use": {"name": "Read", "input": {"file_path": "/work/notes.txt"}}}},
      {"when": {"tool_result_of": "Read"},
       "reply": {"text": "The notes say: {tool_result}"}}
    ]}

``when`` (all given conditions must hold; at least one is required):

* ``user_text_contains`` — a substring of the text of the last user turn (tool results excluded)
* ``tool_result_of`` — the last user turn carries the result of a call of this tool
* ``model_contains`` — a substring of the model id

``reply``: ``text`` (``{tool_result}`` is replaced by the text of the matching tool results) or ``tool_use``
(``name`` and ``input``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .generate import Scripted
from .prompt import Prompt

_WHEN_KEYS = frozenset({"user_text_contains", "tool_result_of", "model_contains"})
MAX_TOOL_RESULT_CHARS = 4000


class ScenarioError(ValueError):
    """A scenario that cannot be used, with what is wrong with it."""


@dataclass(frozen=True, slots=True)
class Rule:
    reply: Scripted
    user_text_contains: str | None = None
    tool_result_of: str | None = None
    model_contains: str | None = None

    def matches(self, model_id: str, prompt: Prompt) -> bool:
        if self.model_contains is not None and self.model_contains not in model_id:
            return False
        if self.user_text_contains is not None and self.user_text_contains not in prompt.last_user_text:
            return False
        return self.tool_result_of is None or any(r.tool_name == self.tool_result_of for r in prompt.tool_results)

    def to_json(self) -> dict[str, object]:
        when = {
            key: value
            for key, value in (
                ("user_text_contains", self.user_text_contains),
                ("tool_result_of", self.tool_result_of),
                ("model_contains", self.model_contains),
            )
            if value is not None
        }
        if self.reply.text is not None:
            reply: dict[str, object] = {"text": self.reply.text}
        else:
            reply = {"tool_use": {"name": self.reply.tool_name, "input": dict(self.reply.tool_input or {})}}
        return {"when": when, "reply": reply}


@dataclass(frozen=True, slots=True)
class Scenario:
    rules: tuple[Rule, ...] = ()

    def reply_for(self, model_id: str, prompt: Prompt) -> Scripted | None:
        for rule in self.rules:
            if rule.matches(model_id, prompt):
                if rule.reply.text is None:
                    return rule.reply
                results = [r.text for r in prompt.tool_results if rule.tool_result_of in (None, r.tool_name)]
                filled = rule.reply.text.replace("{tool_result}", "\n".join(results)[:MAX_TOOL_RESULT_CHARS])
                return Scripted(text=filled)
        return None

    def to_json(self) -> dict[str, object]:
        return {"rules": [rule.to_json() for rule in self.rules]}


NO_SCENARIO = Scenario()


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{where} must be a non-empty string")
    return value


def _rule(index: int, spec: object) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(spec, Mapping) or set(spec) != {"when", "reply"}:
        raise ScenarioError(f"{where} must be an object with exactly the keys 'when' and 'reply'")
    when, reply = spec["when"], spec["reply"]
    if not isinstance(when, Mapping) or not when or set(when) - _WHEN_KEYS:
        raise ScenarioError(f"{where}.when must name at least one of {sorted(_WHEN_KEYS)} and nothing else")
    conditions = {key: _text(value, f"{where}.when.{key}") for key, value in when.items()}
    if not isinstance(reply, Mapping) or len(reply) != 1 or next(iter(reply)) not in ("text", "tool_use"):
        raise ScenarioError(f"{where}.reply must be {{'text': ...}} or {{'tool_use': {{'name': ..., 'input': ...}}}}")
    if "text" in reply:
        scripted = Scripted(text=_text(reply["text"], f"{where}.reply.text"))
    else:
        call = reply["tool_use"]
        if (
            not isinstance(call, Mapping)
            or set(call) - {"name", "input"}
            or not isinstance(call.get("input", {}), Mapping)
        ):
            raise ScenarioError(f"{where}.reply.tool_use must be {{'name': str, 'input': object}}")
        scripted = Scripted(
            tool_name=_text(call.get("name"), f"{where}.reply.tool_use.name"), tool_input=call.get("input", {})
        )
    return Rule(reply=scripted, **conditions)


def parse(spec: object) -> Scenario:
    if not isinstance(spec, Mapping) or set(spec) != {"rules"} or not isinstance(spec["rules"], list):
        raise ScenarioError("a scenario is an object {'rules': [...]}")
    return Scenario(tuple(_rule(index, rule) for index, rule in enumerate(spec["rules"])))


def load(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {path}: {exc.strerror}") from None
    if path.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ScenarioError(f"{path}: YAML scenarios need PyYAML; use JSON") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"{path} is not valid YAML: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ScenarioError(f"{path} is not valid JSON: {exc}") from None
    try:
        return parse(data)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
