"""Writing an event-stream response: pacing (TTFT, tokens per second), mid-stream faults, dropped connections."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from aiohttp import web

from . import errors, eventstream

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Frame:
    """One encoded event-stream message and how many output tokens it carries (for pacing)."""

    data: bytes
    tokens: float = 0.0


class Timer:
    """Request timing for the metrics responses carry (latencyMs, invocationLatency, firstByteLatency)."""

    __slots__ = ("first_byte_ms", "start")

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.first_byte_ms: int | None = None

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.start) * 1000)

    def mark_first_byte(self) -> None:
        if self.first_byte_ms is None:
            self.first_byte_ms = self.elapsed_ms()


@dataclass(frozen=True, slots=True)
class StreamPlan:
    ttft_s: float
    tokens_per_second: float
    fault_after: int | None = None
    fault_error: errors.BedrockError | None = None  # None with fault_after set = drop the connection


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()


@dataclass(slots=True)
class Sent:
    """How far a stream got: the output tokens written to the connection (what the model generated before the
    stream ended: Bedrock stops generating when the connection closes and bills what it generated)."""

    output_tokens: float = 0.0


async def write_stream(
    request: web.Request,
    response: web.StreamResponse,
    frames: Iterator[Frame],
    plan: StreamPlan,
    timer: Timer,
    sent: Sent | None = None,
) -> bool:
    """Send ``frames``; returns False when the connection was dropped (by a fault or by the client)."""
    pending: list[bytes] = []
    pending_tokens = 0.0
    seen_token = False
    sent = sent if sent is not None else Sent()

    async def flush() -> None:
        nonlocal pending_tokens
        if pending:
            timer.mark_first_byte()
            await response.write(b"".join(pending))
            pending.clear()
            sent.output_tokens += pending_tokens
            pending_tokens = 0.0

    try:
        for index, frame in enumerate(frames):
            if plan.fault_after is not None and index >= plan.fault_after:
                if plan.fault_error is None:
                    await flush()
                    await response.drain()
                    _abort(request)
                    return False
                exception_name = errors.STREAM_EXCEPTION_NAMES[plan.fault_error.error_type]
                pending.append(eventstream.encode_exception(exception_name, plan.fault_error.body()))
                break
            if frame.tokens:
                if not seen_token:
                    seen_token = True
                    if plan.ttft_s > 0:
                        await asyncio.sleep(plan.ttft_s)
                elif plan.tokens_per_second > 0:
                    await flush()
                    await asyncio.sleep(frame.tokens / plan.tokens_per_second)
            pending.append(frame.data)
            pending_tokens += frame.tokens
        await flush()
        await response.write_eof()
    except (ConnectionError, RuntimeError) as exc:
        log.debug("stream to client ended early: %s", exc)
        return False
    return True
