"""Resident memory and CPU time of the current worker process, and a sampler thread for multiprocess mode."""

from __future__ import annotations

import logging
import os
import resource
import threading
from collections.abc import Callable
from typing import Protocol

logger = logging.getLogger(__name__)

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_memory_bytes() -> float:
    """Current RSS from ``/proc/self/statm``; elsewhere the peak RSS (the best the OS offers)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return float(int(f.read().split()[1]) * _PAGE_SIZE)
    except (OSError, ValueError, IndexError):
        return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads)."""
    times = os.times()
    return times.user + times.system


class _Settable(Protocol):
    def set(self, value: float) -> None: ...


class ProcessSampler:
    """Writes this process's RSS and CPU time into two gauges every ``interval`` seconds.

    prometheus-client's multiprocess mode cannot call a function at scrape time (the scrape is served by
    whichever worker reads the files), so each worker refreshes its own ``liveall`` gauges from a daemon
    thread. ``ensure_running`` is cheap and idempotent; it (re)starts the thread after a fork.
    """

    def __init__(self, rss: _Settable, cpu: _Settable, interval: float) -> None:
        self.jobs: list[Callable[[], object]] = []  # also run every interval (dead-worker accounting)
        self._rss = rss
        self._cpu = cpu
        self._interval = interval
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._failed = False

    def sample(self) -> None:
        try:
            self._rss.set(resident_memory_bytes())
            self._cpu.set(cpu_seconds())
        except Exception:
            if not self._failed:
                self._failed = True
                logger.exception("llmgw_callbacks: sampling process memory/CPU failed (logged once)")

    def ensure_running(self) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            self._pid = pid
            self.sample()
            thread = threading.Thread(target=self._run, args=(pid,), name="llmgw-process-sampler", daemon=True)
            thread.start()

    def _run(self, pid: int) -> None:
        stop = threading.Event()
        while not stop.wait(self._interval):
            if os.getpid() != pid:  # pragma: no cover - a forked child without this thread
                return
            self.sample()
            for job in list(self.jobs):
                try:
                    job()
                except Exception:
                    logger.exception("llmgw_callbacks: periodic job %s failed", getattr(job, "__name__", job))
