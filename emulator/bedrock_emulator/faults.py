"""Fault injection: which fault (if any) a request gets, from the fault rules API or from directives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import errors
from .directives import FAULTS, Directives

INFERENCE_OPERATIONS = frozenset({"converse", "converse-stream", "invoke", "invoke-with-response-stream"})
ALL_OPERATIONS = INFERENCE_OPERATIONS | {"count-tokens"}
STREAM_OPERATIONS = frozenset({"converse-stream", "invoke-with-response-stream"})

DEFAULT_SLOW_FIRST_BYTE_MS = 2000
DEFAULT_AFTER_FRAMES = 2

_ERROR_FAULTS = {
    "throttle": errors.throttling,
    "not_ready": errors.model_not_ready,
    "internal": errors.internal,
    "unavailable": errors.unavailable,
    "timeout": errors.model_timeout,
    "validation": lambda: errors.malformed("#: emulator fault=validation"),
    "context_overflow": errors.context_overflow,
}


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    delay_ms: int | None = None
    after_frames: int | None = None

    def error(self, operation: str = "converse-stream") -> errors.BedrockError | None:
        """The Bedrock error this fault answers with (None for slow_first_byte / drop)."""
        if self.name == "stream_error":
            return errors.model_stream_error() if operation in STREAM_OPERATIONS else errors.model_error()
        factory = _ERROR_FAULTS.get(self.name)
        return factory() if factory else None

    def first_byte_delay_s(self) -> float:
        if self.name != "slow_first_byte":
            return 0.0
        return (DEFAULT_SLOW_FIRST_BYTE_MS if self.delay_ms is None else self.delay_ms) / 1000.0

    def mid_stream_after(self, operation: str) -> int | None:
        """Frames to send before the fault strikes mid-stream, or None when it strikes before the response."""
        if operation not in STREAM_OPERATIONS:
            return None
        if self.name in ("drop", "stream_error"):
            return DEFAULT_AFTER_FRAMES if self.after_frames is None else self.after_frames
        error = self.error()
        if self.after_frames is not None and error is not None and error.error_type in errors.STREAM_EXCEPTION_NAMES:
            return self.after_frames
        return None


@dataclass(slots=True)
class FaultRule:
    fault: str
    model_contains: str = ""
    model: str | None = None
    """Exact model id (``model_contains`` matches substrings: ``claude-opus-5`` is part of ``claude-opus-5-5``)."""
    times: int | None = None
    delay_ms: int | None = None
    after_frames: int | None = None
    operations: frozenset[str] = INFERENCE_OPERATIONS

    def matches(self, model_id: str, operation: str) -> bool:
        return (
            (self.times is None or self.times > 0)
            and operation in self.operations
            and self.model_contains in model_id
            and (self.model is None or self.model == model_id)
        )

    def to_json(self) -> dict[str, object]:
        return {
            "fault": self.fault,
            "model_contains": self.model_contains,
            "model": self.model,
            "times": self.times,
            "delay_ms": self.delay_ms,
            "after_frames": self.after_frames,
            "operations": sorted(self.operations),
        }


def _optional_int(spec: Mapping[str, object], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer")
    return value


def parse_rule(spec: object) -> FaultRule:
    """One rule of ``PUT /emulator/faults``; raises ValueError on anything unexpected."""
    if not isinstance(spec, Mapping):
        raise ValueError("each rule must be a JSON object")
    unknown = set(spec) - {"fault", "model_contains", "model", "times", "delay_ms", "after_frames", "operations"}
    if unknown:
        raise ValueError(f"unknown rule keys: {sorted(unknown)}")
    fault = spec.get("fault")
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r} (known: {', '.join(sorted(FAULTS))})")
    model_contains = spec.get("model_contains", "")
    if not isinstance(model_contains, str):
        raise ValueError("model_contains must be a string")
    model = spec.get("model")
    if model is not None and (not isinstance(model, str) or not model):
        raise ValueError("model must be a non-empty string (an exact model id)")
    operations = spec.get("operations")
    if operations is None:
        ops = INFERENCE_OPERATIONS
    elif isinstance(operations, list) and all(op in ALL_OPERATIONS for op in operations):
        ops = frozenset(operations)
    else:
        raise ValueError(f"operations must be a list of {sorted(ALL_OPERATIONS)}")
    return FaultRule(
        fault=str(fault),
        model_contains=model_contains,
        model=model,
        times=_optional_int(spec, "times"),
        delay_ms=_optional_int(spec, "delay_ms"),
        after_frames=_optional_int(spec, "after_frames"),
        operations=ops,
    )


class FaultRules:
    """The rules set through ``PUT /emulator/faults``; the first matching rule with times left applies."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def replace(self, rules: list[FaultRule]) -> None:
        self.rules = rules

    def clear(self) -> None:
        self.rules = []

    def take(self, model_id: str, operation: str) -> Fault | None:
        for rule in self.rules:
            if rule.matches(model_id, operation):
                if rule.times is not None:
                    rule.times -= 1
                return Fault(rule.fault, rule.delay_ms, rule.after_frames)
        return None


def resolve(rules: FaultRules, directives: Directives, model_id: str, operation: str) -> Fault | None:
    """Fault rules win over directives; directive faults only hit inference operations."""
    if rules.rules:
        fault = rules.take(model_id, operation)
        if fault is not None:
            return fault
    if directives.fault is None or operation not in INFERENCE_OPERATIONS:
        return None
    if directives.only_model and directives.only_model not in model_id:
        return None
    return Fault(directives.fault, directives.delay_ms, directives.after_frames)
