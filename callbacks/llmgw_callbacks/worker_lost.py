"""Requests of a worker that died, counted by the workers that live on (``outcome="worker_lost"``).

A worker killed mid-request (SIGKILL, the OOM killer, a segfault) runs no hook: its clients see "Server
disconnected" and nothing counts their requests. So each worker keeps its in-flight requests (call id -> labels)
in ``<PROMETHEUS_MULTIPROC_DIR>/llmgw-inflight-<master pid>-<pid>.json``, rewritten atomically when one starts or
ends. Every few seconds each worker looks for the files of workers of the same gateway (same master pid) that no
longer run, counts their requests under ``outcome="worker_lost"`` with the labels they had, removes the file and
marks the process dead for prometheus-client (its live gauges, ``llmgw_in_flight_requests`` and the per-pid
memory/CPU series, leave the aggregate). An exclusive lock makes exactly one worker count each dead one.

Files of an earlier gateway run (another master pid) are never counted; the proxy wipes its multiprocess
directory at start-up, and the files carry no .db suffix, so prometheus-client never reads them as metrics.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

logger = logging.getLogger("llmgw_callbacks")

WORKER_LOST = "worker_lost"
EXCEPTION_CLASS = "WorkerLost"
_FILE = re.compile(r"^llmgw-inflight-(\d+)-(\d+)\.json$")
_LOCK = "llmgw-inflight.lock"


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie (an unreaped dead worker)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(0)
    return stat.rpartition(")")[2].split()[0:1] != ["Z"]


class InFlightFile:
    """This worker's in-flight requests on disk."""

    def __init__(self, directory: str, pid: int | None = None, master: int | None = None) -> None:
        self.directory = Path(directory)
        self.pid = pid or os.getpid()
        self.master = master or os.getppid()
        self.path = self.directory / f"llmgw-inflight-{self.master}-{self.pid}.json"
        self._requests: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def add(self, call_id: str, labels: Mapping[str, str]) -> None:
        with self._lock:
            self._requests[call_id] = dict(labels)
            self._write()

    def remove(self, call_id: str) -> None:
        with self._lock:
            if self._requests.pop(call_id, None) is not None:
                self._write()

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._requests))
        os.replace(tmp, self.path)


def count_dead_workers(
    directory: str, count: Callable[[Mapping[str, str]], None], *, me: int | None = None, master: int | None = None
) -> list[int]:
    """Count the in-flight requests of every dead worker of this gateway with `count(labels)`; returns their
    pids. Safe to call from every worker at once."""
    me = me or os.getpid()
    master = master or os.getppid()
    base = Path(directory)
    dead = []
    for path in base.glob("llmgw-inflight-*.json"):
        match = _FILE.match(path.name)
        if match is None or int(match[1]) != master or int(match[2]) == me or _running(int(match[2])):
            continue
        dead.append((int(match[2]), path))
    counted = []
    if not dead:
        return counted
    with (base / _LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for pid, path in dead:
            try:
                requests = json.loads(path.read_text() or "{}")
            except FileNotFoundError:
                continue  # another worker counted it first
            except ValueError:
                requests = {}
                logger.warning("llmgw_callbacks: unreadable in-flight file of dead worker %s", pid)
            for labels in requests.values():
                count(labels)
            path.unlink(missing_ok=True)
            with contextlib.suppress(Exception):
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(pid, path=str(base))
            counted.append(pid)
            logger.warning(
                "llmgw_callbacks: worker %s died with %d request(s) in flight, counted as outcome=worker_lost",
                pid,
                len(requests),
            )
    return counted
