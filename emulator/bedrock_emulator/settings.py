"""Server-wide knobs: defaults, environment variables (``BEDROCK_EMULATOR_*``) and CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .directives import Directives

ENV_PREFIX = "BEDROCK_EMULATOR_"


@dataclass(frozen=True, slots=True)
class Settings:
    latency_ms: int = 0
    """Delay before a valid request's response (answer or injected fault) starts."""
    ttft_ms: int = 0
    """Time to first token: extra delay before the first output token (streams) / the body (non-stream)."""
    tokens_per_second: float = 0.0
    """Output pacing; 0 = no pacing."""
    output_tokens: int = 16
    """Words (= output tokens) of a text answer, before the max_tokens cap."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env

        def get(name: str, default: str) -> str:
            return source.get(ENV_PREFIX + name, "").strip() or default

        return cls(
            latency_ms=int(get("LATENCY_MS", "0")),
            ttft_ms=int(get("TTFT_MS", "0")),
            tokens_per_second=float(get("TOKENS_PER_SECOND", "0")),
            output_tokens=int(get("OUTPUT_TOKENS", "16")),
        )


@dataclass(frozen=True, slots=True)
class Knobs:
    """The settings one request runs with (server settings, overridden by its directives)."""

    latency_ms: int
    ttft_ms: int
    tokens_per_second: float
    output_tokens: int

    @classmethod
    def resolve(cls, settings: Settings, directives: Directives) -> Knobs:
        return cls(
            latency_ms=settings.latency_ms if directives.latency_ms is None else directives.latency_ms,
            ttft_ms=settings.ttft_ms if directives.ttft_ms is None else directives.ttft_ms,
            tokens_per_second=settings.tokens_per_second if directives.tps is None else directives.tps,
            output_tokens=settings.output_tokens if directives.output_tokens is None else directives.output_tokens,
        )
