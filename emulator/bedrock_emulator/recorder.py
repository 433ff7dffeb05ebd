"""What the emulator received: the last requests, so tests can assert the headers and body fields that reached
"Bedrock" through the gateway (``GET /emulator/received``, ``DELETE /emulator/received``)."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_CAPACITY = 500
# Request headers kept (lower-case prefixes); credentials are never recorded.
_KEPT_HEADER_PREFIXES = ("anthropic-", "x-amzn-", "x-amz-date", "content-type", "x-emulator-", "user-agent")


@dataclass(frozen=True, slots=True)
class Received:
    seq: int
    time: float
    method: str
    path: str
    operation: str
    model: str
    headers: dict[str, str]
    body: object
    status: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "model": self.model,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
        }


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith(_KEPT_HEADER_PREFIXES)}


class Recorder:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._items: deque[Received] = deque(maxlen=capacity)
        self._seq = 0

    def record(self, method: str, path: str, operation: str, model: str, headers: Mapping[str, str], raw: bytes) -> int:
        """Keeps one request; returns its sequence number (for ``finish``)."""
        try:
            body: object = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            body = {"_raw_bytes": len(raw)}
        self._seq += 1
        self._items.append(
            Received(self._seq, time.time(), method, path, operation, model, kept_headers(headers), body, None)
        )
        return self._seq

    def finish(self, seq: int, status: int) -> None:
        for index in range(len(self._items) - 1, -1, -1):
            item = self._items[index]
            if item.seq == seq:
                self._items[index] = Received(**{**_fields(item), "status": status})
                return

    def clear(self) -> None:
        self._items.clear()

    def snapshot(self, limit: int | None = None) -> list[dict[str, object]]:
        items = list(self._items)
        if limit is not None:
            items = items[-limit:]
        return [item.to_json() for item in items]


def _fields(item: Received) -> dict[str, object]:
    return {name: getattr(item, name) for name in Received.__slots__}
