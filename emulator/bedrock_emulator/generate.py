"""Deterministic model output: the words of a text answer and the input of a tool call."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from .prompt import Prompt, ToolDef
from .tokens import count_tool_use_tokens

WORDS: tuple[str, ...] = (
    "the", "gateway", "answers", "with", "a", "deterministic", "reply", "from", "emulated", "bedrock",
    "claude", "model", "tokens", "stream", "cache", "prompt", "request", "response", "latency", "usage",
    "region", "profile", "inference", "runtime", "event", "frame", "message", "content", "block", "delta",
    "signal", "metric", "budget", "team", "route", "fallback", "retry", "window", "context", "output",
    "input", "tool", "result", "value", "system", "user", "assistant", "turn", "text", "json",
    "schema", "field", "test", "check", "proof", "sample", "quick", "brown", "fox", "jumps",
    "over", "lazy", "dog", "again",
)  # fmt: skip


def generate_words(seed: int, count: int) -> list[str]:
    """``count`` words chosen by a PRNG seeded with ``seed``; the first is capitalised, the last ends with '.'."""
    if count <= 0:
        return []
    words = random.Random(seed).choices(WORDS, k=count)
    words[0] = words[0].capitalize()
    words[-1] = words[-1] + "."
    return words


def text_deltas(words: list[str]) -> list[str]:
    """One streaming delta per word (= per token); their concatenation is the full text."""
    return [word if index == 0 else " " + word for index, word in enumerate(words)]


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


def tool_output_tokens(name: str, tool_input: object) -> int:
    """Output tokens of a generated tool call (same formula as a tool call in the input)."""
    return count_tool_use_tokens(name, tool_input)


def split_json(text: str, piece: int = 12) -> list[str]:
    """The pieces a tool call's input JSON is streamed in (``input_json_delta`` / ``toolUse.input``)."""
    return [text[i : i + piece] for i in range(0, len(text), piece)] or [""]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the emulated model answers: text words, or one tool call."""

    stop_reason: str
    output_tokens: int
    words: list[str]
    tool_name: str | None = None
    tool_input: dict[str, object] | None = None
    tool_id_suffix: str = ""

    @property
    def is_tool_use(self) -> bool:
        return self.tool_name is not None

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _chosen_tool(prompt: Prompt, requested: str | None) -> ToolDef | None:
    if not prompt.tools or prompt.answers_tool_result:
        return None
    if requested == "none" or (requested is None and prompt.tool_choice == "none"):
        return None
    name = requested or (prompt.tool_choice_name if prompt.tool_choice == "tool" else None)
    if name is not None:
        for tool in prompt.tools:
            if tool.name == name:
                return tool
    return prompt.tools[0]


def plan_answer(prompt: Prompt, output_tokens: int, requested_tool: str | None = None) -> Answer:
    """The answer to a prompt: a tool call when tools are offered and the last user turn is not a tool
    result (tool_choice tool → that tool, auto/any → the first; directive ``tool=NAME|none`` overrides),
    otherwise ``output_tokens`` words capped by max_tokens."""
    tool = _chosen_tool(prompt, requested_tool)
    if tool is not None:
        tool_input = object_for_schema(tool.schema)
        return Answer(
            stop_reason="tool_use",
            output_tokens=tool_output_tokens(tool.name, tool_input),
            words=[],
            tool_name=tool.name,
            tool_input=tool_input,
            tool_id_suffix=format(prompt.seed, "016x"),
        )
    count = min(output_tokens, prompt.max_tokens)
    return Answer(
        stop_reason="max_tokens" if output_tokens > prompt.max_tokens else "end_turn",
        output_tokens=count,
        words=generate_words(prompt.seed, count),
    )
