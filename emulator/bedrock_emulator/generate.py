"""Deterministic model output: thinking, the words of a text answer, or the input of a tool call.

The emulated model behaves like a real one that has nothing to do: it answers with text. It calls a tool only
when something asks for it: the request forces one (``tool_choice`` ``any`` / ``tool``), a directive names one
(``tool=NAME``), or a scenario rule scripts one (scenario.py). A tool that was not offered is never called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import thinking as thinking_mod
from .prompt import Prompt, ToolDef
from .tokens import count_output_tokens, count_tool_use_tokens
from .words import generate_words, text_deltas

__all__ = ["Answer", "Scripted", "object_for_schema", "plan_answer", "split_json", "text_deltas"]


def value_for_schema(name: str, schema: object, depth: int = 0) -> object:
    """A deterministic value that satisfies the simple parts of a JSON schema."""
    if not isinstance(schema, Mapping) or depth > 8:
        return f"{name}_value"
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            return value_for_schema(name, options[0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind == "object" or (kind is None and "properties" in schema):
        return object_for_schema(schema, depth + 1)
    if kind == "array":
        min_items = schema.get("minItems", 0)
        count = min_items if isinstance(min_items, int) and min_items > 0 else 1
        return [value_for_schema(name, schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind == "integer":
        minimum = schema.get("minimum")
        return minimum if isinstance(minimum, int) and not isinstance(minimum, bool) else 1
    if kind == "number":
        minimum = schema.get("minimum")
        return minimum if isinstance(minimum, int | float) and not isinstance(minimum, bool) else 1.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return f"{name}_value"


def object_for_schema(schema: object, depth: int = 0) -> dict[str, object]:
    """An object with exactly the schema's ``required`` properties, each from its property schema."""
    if not isinstance(schema, Mapping):
        return {}
    required = schema.get("required")
    properties = schema.get("properties")
    if not isinstance(required, list):
        return {}
    props = properties if isinstance(properties, Mapping) else {}
    return {str(key): value_for_schema(str(key), props.get(key, {}), depth) for key in required}


def split_json(text: str, piece: int = 12) -> list[str]:
    """The pieces a tool call's input JSON is streamed in (``input_json_delta`` / ``toolUse.input``)."""
    return [text[i : i + piece] for i in range(0, len(text), piece)] or [""]


@dataclass(frozen=True, slots=True)
class Scripted:
    """A scripted answer (scenario rule): a text, or a call of an offered tool with a given input."""

    text: str | None = None
    tool_name: str | None = None
    tool_input: Mapping[str, object] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """What the emulated model answers: optional thinking, then text words or one tool call."""

    stop_reason: str
    output_tokens: int
    """All output tokens billed: thinking + text (or the tool call)."""
    words: list[str]
    tool_name: str | None = None
    tool_input: dict[str, object] | None = None
    tool_id_suffix: str = ""
    thinking_words: list[str] = field(default_factory=list)
    thinking_tokens: int = 0
    thinking_display: str | None = None
    """None: no thinking block; else ``summarized`` / ``omitted`` / ``updates``."""
    thinking_signature: str = ""

    @property
    def is_tool_use(self) -> bool:
        return self.tool_name is not None

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def has_thinking(self) -> bool:
        return self.thinking_display is not None

    @property
    def thinking_text(self) -> str:
        """The thinking text the response shows (empty with ``display: omitted``)."""
        return "" if self.thinking_display == "omitted" else " ".join(self.thinking_words)


def _offered(prompt: Prompt, name: str | None) -> ToolDef | None:
    return next((tool for tool in prompt.tools if tool.name == name), None) if name else None


def _chosen_tool(prompt: Prompt, requested: str | None) -> ToolDef | None:
    """A directive ``tool=NAME`` names an offered tool; otherwise only a forced ``tool_choice`` calls one."""
    if not prompt.tools or requested == "none" or prompt.tool_choice == "none":
        return None
    if requested is not None:
        return _offered(prompt, requested)
    if prompt.tool_choice == "tool":
        return _offered(prompt, prompt.tool_choice_name)
    if prompt.tool_choice == "any":
        return prompt.tools[0]
    return None


def plan_answer(
    prompt: Prompt, output_tokens: int, requested_tool: str | None = None, scripted: Scripted | None = None
) -> Answer:
    """The answer to a prompt (see the module docstring): thinking first when the request turns it on, then a
    tool call when one is asked for, else ``output_tokens`` words (or the scripted text) within max_tokens."""
    thinking_count = 0
    thinking_fields: dict[str, object] = {}
    if prompt.thinking is not None:
        thinking_count = thinking_mod.thinking_tokens(prompt.thinking, prompt.max_tokens)
        words = thinking_mod.thinking_words(prompt.seed, thinking_count)
        shown = "" if prompt.thinking.display == "omitted" else " ".join(words)
        thinking_fields = {
            "thinking_words": words,
            "thinking_tokens": thinking_count,
            "thinking_display": prompt.thinking.display,
            "thinking_signature": thinking_mod.sign(shown, prompt.seed),
        }
    room = max(prompt.max_tokens - thinking_count, 0)

    tool = _offered(prompt, scripted.tool_name) if scripted is not None and scripted.tool_name else None
    tool_input: dict[str, object] | None = dict(scripted.tool_input or {}) if tool is not None and scripted else None
    if tool is None and (scripted is None or scripted.text is None):
        tool = _chosen_tool(prompt, requested_tool)
        tool_input = object_for_schema(tool.schema) if tool is not None else None
    if tool is not None and tool_input is not None:
        return Answer(
            stop_reason="tool_use",
            output_tokens=thinking_count + count_tool_use_tokens(tool.name, tool_input),
            words=[],
            tool_name=tool.name,
            tool_input=tool_input,
            tool_id_suffix=format(prompt.seed, "016x"),
            **thinking_fields,  # type: ignore[arg-type]
        )
    if scripted is not None and scripted.text is not None:
        words = scripted.text.split()
        wanted = count_output_tokens(scripted.text)
    else:
        words = generate_words(prompt.seed, output_tokens)
        wanted = output_tokens
    count = min(wanted, room)
    return Answer(
        stop_reason="max_tokens" if wanted > room else "end_turn",
        output_tokens=thinking_count + count,
        words=words[:count],
        **thinking_fields,  # type: ignore[arg-type]
    )
