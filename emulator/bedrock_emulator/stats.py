"""Request counters for ``GET /emulator/requests`` (which model served what, e.g. after a fallback)."""

from __future__ import annotations

from collections import Counter


class RequestStats:
    def __init__(self) -> None:
        self.received: Counter[tuple[str, str]] = Counter()
        self.served: Counter[tuple[str, str]] = Counter()
        self.failed: Counter[tuple[str, str]] = Counter()

    def reset(self) -> None:
        self.received.clear()
        self.served.clear()
        self.failed.clear()

    @staticmethod
    def _by(counter: Counter[tuple[str, str]], index: int) -> dict[str, int]:
        out: Counter[str] = Counter()
        for key, count in counter.items():
            out[key[index]] += count
        return dict(out)

    @staticmethod
    def _nested(counter: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (operation, model), count in counter.items():
            out.setdefault(model, {})[operation] = count
        return out

    def rows(self) -> list[dict[str, object]]:
        """One row per (operation, model id): received, served and failed counts."""
        return [
            {
                "operation": operation,
                "model": model,
                "count": count,
                "served": self.served.get((operation, model), 0),
                "failed": self.failed.get((operation, model), 0),
            }
            for (operation, model), count in sorted(self.received.items())
        ]

    def snapshot(self) -> dict[str, object]:
        return {
            "total": sum(self.received.values()),
            "requests": self.rows(),
            "by_operation": self._by(self.received, 0),
            "by_model": self._by(self.received, 1),
            "by_model_operation": self._nested(self.received),
            "served_by_model": self._by(self.served, 1),
            "failed_by_model": self._by(self.failed, 1),
            "served_by_model_operation": self._nested(self.served),
            "failed_by_model_operation": self._nested(self.failed),
        }
