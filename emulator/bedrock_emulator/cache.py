"""Process-wide prompt cache: which prompt prefixes (per model) were written, and until when they live."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .prompt import ONE_HOUR_S, Breakpoint


@dataclass(frozen=True, slots=True)
class CacheUsage:
    input_tokens: int
    cache_read: int
    cache_write: int
    cache_write_1h: int = 0
    """The part of ``cache_write`` written with a one-hour TTL (the rest has five minutes)."""

    @property
    def cache_write_5m(self) -> int:
        return self.cache_write - self.cache_write_1h


class PromptCache:
    """Anthropic-style prefix cache.

    The longest prefix ending at a breakpoint that was seen before (and has not expired) is read from the
    cache; the tokens from there up to the last breakpoint are written; the tokens after the last breakpoint
    are plain input. Every hit refreshes the entry's TTL. Each written segment (from one breakpoint to the next)
    takes the TTL of the breakpoint that closes it, so a request reports how many written tokens live five
    minutes and how many one hour (Anthropic's ``cache_creation.ephemeral_5m/1h_input_tokens``).
    """

    _SWEEP_EVERY = 1024

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, bytes], float] = {}
        self._stores = 0

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def apply(self, model: str, breakpoints: Sequence[Breakpoint], total_tokens: int) -> CacheUsage:
        if not breakpoints:
            return CacheUsage(total_tokens, 0, 0)
        now = self._clock()
        entries = self._entries
        hit = -1
        for index in range(len(breakpoints) - 1, -1, -1):
            expiry = entries.get((model, breakpoints[index].digest))
            if expiry is not None and expiry > now:
                hit = index
                break
        read = breakpoints[hit].tokens if hit >= 0 else 0
        last = breakpoints[-1].tokens
        written_1h = 0
        previous = read
        for index in range(hit + 1, len(breakpoints)):
            breakpoint = breakpoints[index]
            if breakpoint.ttl_s >= ONE_HOUR_S:
                written_1h += max(breakpoint.tokens - previous, 0)
            previous = max(previous, breakpoint.tokens)
        for breakpoint in breakpoints[max(hit, 0) :]:
            key = (model, breakpoint.digest)
            entries[key] = max(entries.get(key, 0.0), now + breakpoint.ttl_s)
        self._stores += 1
        if self._stores % self._SWEEP_EVERY == 0:
            self._sweep(now)
        return CacheUsage(total_tokens - last, read, last - read, written_1h)

    def _sweep(self, now: float) -> None:
        for key in [key for key, expiry in self._entries.items() if expiry <= now]:
            del self._entries[key]
