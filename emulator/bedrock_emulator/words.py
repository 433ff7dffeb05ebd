"""The emulator's vocabulary: deterministic words for text answers and thinking, one word = one output token."""

from __future__ import annotations

import random

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
