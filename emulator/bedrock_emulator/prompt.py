"""What the emulator extracts from a request body (either API): token totals, cache breakpoints, tools, thinking,
the last user turn (for scenarios) and a seed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

DEFAULT_CACHE_TTL_S = 300.0
ONE_HOUR_S = 3600.0

ToolChoiceMode = Literal["auto", "any", "tool", "none"]
ThinkingDisplay = Literal["summarized", "omitted", "updates"]


@dataclass(frozen=True, slots=True)
class Breakpoint:
    """A cache breakpoint: the prompt prefix up to and including the block that carries it."""

    tokens: int
    digest: bytes
    ttl_s: float


@dataclass(frozen=True, slots=True)
class ToolDef:
    name: str
    schema: object


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool result in the last user turn: the name of the tool call it answers and its text."""

    tool_name: str
    text: str


@dataclass(frozen=True, slots=True)
class Thinking:
    """Extended thinking the answer carries: ``budget`` tokens at most (None: adaptive, sized by effort)."""

    display: ThinkingDisplay = "summarized"
    budget_tokens: int | None = None
    effort: str = "high"


@dataclass(slots=True)
class Prompt:
    """The parts of a validated request the response depends on."""

    input_tokens: int
    breakpoints: list[Breakpoint]
    seed: int
    max_tokens: int
    tools: list[ToolDef] = field(default_factory=list)
    tool_choice: ToolChoiceMode = "auto"
    tool_choice_name: str | None = None
    answers_tool_result: bool = False
    thinking: Thinking | None = None
    last_user_text: str = ""
    tool_results: list[ToolResult] = field(default_factory=list)


class PrefixHasher:
    """Running token count and SHA-256 of the prompt, in Anthropic's cache order (tools, system, messages).

    ``mark()`` records a cache breakpoint at the current position; ``seed()`` digests the whole prompt.
    """

    __slots__ = ("_hash", "breakpoints", "tokens")

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.tokens = 0
        self.breakpoints: list[Breakpoint] = []

    def add(self, kind: str, data: str, tokens: int) -> None:
        self._hash.update(kind.encode("utf-8"))
        self._hash.update(b"\x00")
        self._hash.update(data.encode("utf-8", "surrogatepass"))
        self._hash.update(b"\x01")
        self.tokens += tokens

    def mark(self, ttl_s: float = DEFAULT_CACHE_TTL_S) -> None:
        self.breakpoints.append(Breakpoint(self.tokens, self._hash.copy().digest(), ttl_s))

    def seed(self) -> int:
        return int.from_bytes(self._hash.copy().digest()[:8], "big")
