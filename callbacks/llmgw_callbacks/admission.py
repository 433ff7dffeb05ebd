"""Per-metric series cap: which combinations of principal label values (team, user...) get series of their own.

The first ``max_series`` distinct combinations a metric sees are admitted; later ones are refused and the
caller folds them into ``other``. In a single process the admitted set lives in memory. With
``PROMETHEUS_MULTIPROC_DIR`` set (several workers writing one directory, aggregated at scrape time) the
workers share one append-only admissions file per metric in that directory, the same scheme LiteLLM's own
``SharedPrometheusSeriesAdmissions`` uses: every record is a JSON array between two newlines, and the first
``max_series`` distinct records are the admitted set for *every* worker, so the aggregated ``/metrics/``
stays within the cap no matter how many workers there are or which one saw a label first. The files carry
LiteLLM's admissions prefix, so LiteLLM's start-up wipe of the directory frees every slot on restart.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Protocol

logger = logging.getLogger(__name__)

try:  # the prefix LiteLLM's boot-time cleanup (litellm/proxy/prometheus_cleanup.py) deletes
    from litellm.constants import PROMETHEUS_ADMITTED_SERIES_FILE_PREFIX as ADMISSIONS_FILE_PREFIX
except ImportError:  # pragma: no cover - older/newer LiteLLM without the constant
    ADMISSIONS_FILE_PREFIX = "litellm_admitted_series_"

LabelKey = tuple[str, ...]


class Admissions(Protocol):
    def admit(self, key: LabelKey) -> bool: ...


class LocalAdmissions:
    """In-memory admitted set (single process)."""

    def __init__(self, max_series: int) -> None:
        self._max_series = max_series
        self._admitted: set[LabelKey] = set()
        self._lock = threading.Lock()

    def admit(self, key: LabelKey) -> bool:
        if key in self._admitted:
            return True
        with self._lock:
            if key in self._admitted:
                return True
            if len(self._admitted) >= self._max_series:
                return False
            self._admitted.add(key)
            return True


def _parse(line: bytes) -> LabelKey | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


class SharedAdmissions:
    """Admitted set shared by the worker processes through an append-only file in the multiprocess directory."""

    def __init__(self, directory: str, metric_name: str, max_series: int) -> None:
        self.path = os.path.join(directory, f"{ADMISSIONS_FILE_PREFIX}{metric_name}")
        self._max_series = max_series
        self._admitted: set[LabelKey] = set()
        self._offset = 0
        self._lock = threading.Lock()

    def admit(self, key: LabelKey) -> bool:
        if key in self._admitted:
            return True
        with self._lock:
            if len(self._admitted) >= self._max_series:
                return False
            self._read_new_records()
            if key not in self._admitted and len(self._admitted) < self._max_series:
                self._append(key)
                self._read_new_records()
            return key in self._admitted

    def _append(self, key: LabelKey) -> None:
        record = b"\n" + json.dumps(list(key), separators=(",", ":")).encode() + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, record)  # one write(2) with O_APPEND: records of concurrent workers never interleave
        finally:
            os.close(fd)

    def _read_new_records(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                unread = f.read()
        except FileNotFoundError:
            return
        complete, newline, _ = unread.rpartition(b"\n")
        if not newline:
            return
        self._offset += len(complete) + len(newline)
        for line in complete.split(b"\n"):
            if len(self._admitted) >= self._max_series:
                return
            key = _parse(line) if line else None
            if key is not None:
                self._admitted.add(key)


def new_admissions(metric_name: str, max_series: int, multiproc_dir: str | None) -> Admissions:
    if multiproc_dir:
        return SharedAdmissions(multiproc_dir, metric_name, max_series)
    return LocalAdmissions(max_series)
