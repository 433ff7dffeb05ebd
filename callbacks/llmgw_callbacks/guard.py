"""Exceptions inside the callback never reach the request: each one is caught, counted and logged once per kind."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

logger = logging.getLogger("llmgw_callbacks")


class InjectedFault(RuntimeError):
    """Raised by every hook when ``LLMGW_CALLBACK_FAULT_INJECTION=raise`` (tests of the guard)."""


class HookGuard:
    """``with guard("hook_name"): ...`` swallows any ``Exception`` raised in the block.

    The kind is ``<hook>:<exception class>``; the first occurrence of a kind is logged with its traceback at
    ERROR, later ones at DEBUG, and every occurrence is passed to ``count`` (``llmgw_callback_errors_total``).
    ``BaseException`` (task cancellation, interpreter exit) is never swallowed."""

    def __init__(self, count: Callable[[str], None]) -> None:
        self._count = count
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self, hook: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            self.record(hook, exc)

    def record(self, hook: str, exc: Exception) -> None:
        kind = f"{hook}:{type(exc).__name__}"
        with self._lock:
            first = kind not in self._logged
            self._logged.add(kind)
        if first:
            logger.error(
                "llmgw_callbacks: %s raised in %s (request unaffected; logged once per kind)",
                type(exc).__name__,
                hook,
                exc_info=exc,
            )
        else:
            logger.debug("llmgw_callbacks: %s raised again in %s: %s", type(exc).__name__, hook, exc)
        try:
            self._count(kind)
        except Exception:  # the counter itself failing must not escape either
            logger.debug("llmgw_callbacks: counting a callback error failed", exc_info=True)
