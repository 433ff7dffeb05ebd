"""Requests between the proxy's pre-call hook and their success event / failure hook, keyed by call id."""

from __future__ import annotations

import threading
import time
from typing import Protocol

_SWEEP_EVERY_SECONDS = 60.0


class _IncDec(Protocol):
    def inc(self, amount: float = 1) -> None: ...

    def dec(self, amount: float = 1) -> None: ...


class InFlight:
    """Increments the gauge once per call id when a request starts and decrements it once when it ends.

    A fallback keeps the call id of the original request, so a request that is retried on another model
    group stays one request in flight. An end without a start (a request rejected by authentication before
    the pre-call hook) changes nothing. A start whose end never arrives is dropped after ``ttl_seconds``."""

    def __init__(self, gauge: _IncDec, ttl_seconds: float, clock=time.monotonic) -> None:
        self._gauge = gauge
        self._ttl = ttl_seconds
        self._clock = clock
        self._started: dict[str, float] = {}
        self._last_sweep = clock()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._started)

    def start(self, call_id: str | None) -> None:
        if not call_id:
            return
        now = self._clock()
        with self._lock:
            if call_id in self._started:
                return
            self._started[call_id] = now
            self._gauge.inc()
            if now - self._last_sweep >= _SWEEP_EVERY_SECONDS:
                self._sweep(now)

    def finish(self, call_id: str | None) -> None:
        if not call_id:
            return
        with self._lock:
            if self._started.pop(call_id, None) is not None:
                self._gauge.dec()

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        expired = [call_id for call_id, started in self._started.items() if now - started > self._ttl]
        for call_id in expired:
            del self._started[call_id]
            self._gauge.dec()
