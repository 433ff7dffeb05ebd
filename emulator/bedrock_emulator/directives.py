"""Per-request directives: ``[emulator key=value ...]`` in the prompt, or the ``x-emulator-directive`` header.

LiteLLM does not forward client headers to Bedrock, so a directive written into the prompt text (system
prompt or any message) is how a test drives the emulator *through* the gateway. The raw request body is
scanned, so the directive works wherever text can go. Later directives override earlier ones; the header
overrides the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from . import errors

HEADER = "x-emulator-directive"

_IN_BODY = re.compile(rb"\[emulator(?:\s+([^\]]*))?\]")

FAULTS = frozenset(
    {
        "throttle",
        "not_ready",
        "internal",
        "unavailable",
        "timeout",
        "validation",
        "context_overflow",
        "slow_first_byte",
        "drop",
        "stream_error",
    }
)


@dataclass(frozen=True, slots=True)
class Directives:
    """Everything a directive can set; ``None`` means "not set" (server defaults apply)."""

    fault: str | None = None
    only_model: str | None = None
    delay_ms: int | None = None
    after_frames: int | None = None
    output_tokens: int | None = None
    ttft_ms: int | None = None
    latency_ms: int | None = None
    tps: float | None = None
    tool: str | None = None

    def merged(self, other: Directives) -> Directives:
        """``other``'s set values win."""
        changes = {f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name) is not None}
        return replace(self, **changes) if changes else self


NO_DIRECTIVES = Directives()

_INT_KEYS = frozenset({"delay_ms", "after_frames", "output_tokens", "ttft_ms", "latency_ms"})


def _bad(detail: str) -> errors.BedrockError:
    return errors.validation(f"Invalid emulator directive: {detail}")


def parse_pairs(text: str) -> Directives:
    """``key=value key=value`` → Directives; unknown keys or bad values raise a ValidationException."""
    values: dict[str, object] = {}
    for token in text.split():
        key, sep, value = token.partition("=")
        if not sep or not key or not value:
            raise _bad(f"expected key=value, got {token!r}")
        if key in _INT_KEYS:
            try:
                number = int(value)
            except ValueError:
                raise _bad(f"{key} must be an integer, got {value!r}") from None
            if number < 0:
                raise _bad(f"{key} must not be negative")
            values[key] = number
        elif key == "tps":
            try:
                rate = float(value)
            except ValueError:
                raise _bad(f"tps must be a number, got {value!r}") from None
            if rate < 0:
                raise _bad("tps must not be negative")
            values[key] = rate
        elif key == "fault":
            if value not in FAULTS:
                raise _bad(f"unknown fault {value!r} (known: {', '.join(sorted(FAULTS))})")
            values[key] = value
        elif key in ("only_model", "tool"):
            values[key] = value
        else:
            raise _bad(f"unknown key {key!r}")
    return Directives(**values)  # type: ignore[arg-type]


def from_body(raw: bytes) -> Directives:
    """All ``[emulator ...]`` directives found in the raw request body, merged in order."""
    if b"[emulator" not in raw:
        return NO_DIRECTIVES
    result = NO_DIRECTIVES
    for match in _IN_BODY.finditer(raw):
        args = match.group(1)
        if args:
            result = result.merged(parse_pairs(args.decode("utf-8", "replace")))
    return result


def from_request(raw: bytes, header: str | None) -> Directives:
    result = from_body(raw)
    if header:
        result = result.merged(parse_pairs(header))
    return result
