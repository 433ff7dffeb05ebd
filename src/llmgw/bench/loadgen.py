"""Closed-loop HTTP load: ``concurrency`` asyncio tasks, each sending its next request as soon as the previous
one is fully read (aiohttp, keep-alive). Every request is timed with ``perf_counter``: start, time to first
token (streams: the first content delta in the bytes received), end.

One measurement = warm-up (discarded), then a window bounded in time (``duration_s``) and in count
(``max_requests`` completions); ``on_window`` callbacks run at the window's start and end (CPU samples).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import signal
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from .scenarios import ANTHROPIC_SSE, CONVERSE_STREAM, INVOKE_STREAM, OPENAI_SSE, Request

REQUEST_TIMEOUT_S = 120.0
DRAIN_TIMEOUT_S = 30.0
T = TypeVar("T")
_OPENAI_CONTENT = re.compile(rb'"content":"[^"]')


@dataclass(slots=True)
class Sample:
    start: float
    end: float
    ttft: float | None
    """Seconds from start to the first content token (streams only)."""
    status: int
    """HTTP status; 0 = transport error or timeout."""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error


def _invoke_stream_has_delta(buffer: bytes) -> bool:
    """InvokeModelWithResponseStream: event-stream frames whose payload is ``{"bytes": base64(Anthropic event)}``."""
    offset = 0
    while len(buffer) - offset >= 12:
        total = int.from_bytes(buffer[offset : offset + 4], "big")
        headers = int.from_bytes(buffer[offset + 4 : offset + 8], "big")
        if total < 16 or len(buffer) - offset < total:
            return False
        payload = buffer[offset + 12 + headers : offset + total - 4]
        offset += total
        try:
            event = base64.b64decode(json.loads(payload)["bytes"])
        except (ValueError, KeyError, TypeError):
            continue
        if b"content_block_delta" in event:
            return True
    return False


def has_first_token(kind: str, buffer: bytes) -> bool:
    """Whether the response bytes received so far contain the first content token."""
    if kind == OPENAI_SSE:
        return _OPENAI_CONTENT.search(buffer) is not None
    if kind == ANTHROPIC_SSE:
        return b"content_block_delta" in buffer
    if kind == CONVERSE_STREAM:
        return b"contentBlockDelta" in buffer  # the frame's :event-type header
    if kind == INVOKE_STREAM:
        return _invoke_stream_has_delta(buffer)
    raise ValueError(f"unknown stream kind {kind!r}")


RECONNECT_EVERY = 50
"""Each client connection is closed after this many requests (``Connection: close``) and a new one is opened:
with keep-alive connections that never close, the kernel's accept() can hand all of them to one uvicorn worker
and the other workers idle; clients and load balancers also recycle connections."""


async def send(
    session: aiohttp.ClientSession,
    base_url: str,
    headers: dict[str, str],
    request: Request,
    close: bool = False,
) -> Sample:
    start = time.perf_counter()
    ttft: float | None = None
    all_headers = {"Content-Type": "application/json", **headers, **dict(request.headers)}  # what every client sends
    if close:
        all_headers["Connection"] = "close"
    try:
        async with session.post(base_url + request.path, data=request.body, headers=all_headers) as response:
            if request.stream is None or response.status != 200:
                body = await response.read()
            else:
                seen = bytearray()
                async for chunk in response.content.iter_any():
                    if ttft is None:
                        seen += chunk
                        if has_first_token(request.stream, bytes(seen)):
                            ttft = time.perf_counter() - start
                            seen.clear()
                body = b""
            end = time.perf_counter()
            error = "" if response.status == 200 else body[:300].decode(errors="replace")
            if response.status == 200 and request.stream is not None and ttft is None:
                error = "stream ended without a content token"
            return Sample(start, end, ttft, response.status, error)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return Sample(start, time.perf_counter(), None, 0, f"{type(exc).__name__}: {exc}"[:300])


@dataclass
class Measurement:
    samples: list[Sample]
    """Requests that started inside the window (completed, also after its end)."""
    completed_in_window: int
    """Successful requests that ended inside the window (the throughput numerator)."""
    window_s: float
    warmup_requests: int
    sent: int
    """Every request sent (warm-up, window and drain): what the upstream saw."""
    errors: list[str] = field(default_factory=list)


async def measure(
    base_url: str,
    headers: dict[str, str],
    pool: Sequence[Request],
    *,
    concurrency: int,
    warmup_s: float,
    duration_s: float,
    max_requests: int,
    min_requests: int = 1,
    max_window_s: float | None = None,
    on_window: Callable[[str], None] = lambda _: None,
    offset: int = 0,
) -> Measurement:
    """Run one closed-loop measurement (a fresh connection pool each time: no stale keep-alive connections)."""
    max_window_s = max_window_s or max(10 * duration_s, 30.0)
    min_requests = min(min_requests, max_requests)
    samples: list[Sample] = []
    state = {"next": offset, "stop": False, "t0": None, "done_count": 0}
    done = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            sent = 0
            while not state["stop"]:
                request = pool[state["next"] % len(pool)]
                state["next"] += 1
                sent += 1
                sample = await send(session, base_url, headers, request, close=sent % RECONNECT_EVERY == 0)
                samples.append(sample)
                t0 = state["t0"]
                if t0 is not None and sample.ok and sample.end >= t0:
                    state["done_count"] += 1
                    if state["done_count"] >= max_requests:
                        done.set()

        tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
        try:
            await asyncio.sleep(warmup_s)
            on_window("start")
            t0 = time.perf_counter()
            state["t0"] = t0
            # Bounded in time and count: stop at duration_s (once min_requests are in, so that a point of long
            # streams still measures something; hard cap max_window_s) or at max_requests completions.
            deadline = t0 + duration_s
            while not done.is_set():
                now = time.perf_counter()
                if now >= t0 + max_window_s or (now >= deadline and state["done_count"] >= min_requests):
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout=max(0.01, min(deadline - now, 0.05)))
            t1 = time.perf_counter()
            on_window("end")
            state["stop"] = True
            _, pending = await asyncio.wait(tasks, timeout=DRAIN_TIMEOUT_S)
            for task in pending:
                task.cancel()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    in_window = [s for s in samples if s.start >= t0 and s.start < t1]
    completed = sum(1 for s in samples if s.ok and t0 <= s.end <= t1)
    errors = [f"{s.status} {s.error}" for s in in_window if not s.ok]
    return Measurement(
        samples=in_window,
        completed_in_window=completed,
        window_s=t1 - t0,
        warmup_requests=sum(1 for s in samples if s.start < t0),
        sent=state["next"] - offset,
        errors=errors,
    )


async def _cancel_on_signals(coroutine: Coroutine[Any, Any, T]) -> T:
    """SIGTERM / SIGINT cancel the run, so every ``finally`` runs and the started processes are stopped."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    assert task is not None
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    return await coroutine


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (it is: litellm[proxy] depends on it; a cheaper client), cancelled by
    SIGTERM or SIGINT (then ``asyncio.CancelledError`` is raised)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_cancel_on_signals(coroutine))
    return uvloop.run(_cancel_on_signals(coroutine))
