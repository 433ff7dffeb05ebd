"""Request counters for ``GET /emulator/requests`` (which model served what, e.g. after a fallback)."""

from __future__ import annotations

from collections import Counter


class RequestStats:
    def __init__(self) -> None:
        self.received: Counter[tuple[str, str]] = Counter()
        self.served: Counter[tuple[str, str]] = Counter()
        self.failed: Counter[tuple[str, str]] = Counter()
        # What Bedrock bills: the input of every request the model started on (answered, failed mid-stream or
        # abandoned by the client) and the output tokens it generated until the stream ended. Errors before the
        # response (throttling, 5xx, validation) bill nothing.
        self.billed_input: Counter[tuple[str, str]] = Counter()
        self.billed_output: Counter[tuple[str, str]] = Counter()
        self.abandoned: Counter[tuple[str, str]] = Counter()  # streams whose client left before the end

    def reset(self) -> None:
        for counter in (self.received, self.served, self.failed, self.billed_input, self.billed_output,
                        self.abandoned):  # fmt: skip
            counter.clear()

    def bill(self, key: tuple[str, str], input_tokens: int, output_tokens: float) -> None:
        self.billed_input[key] += input_tokens
        self.billed_output[key] += round(output_tokens)

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
            "billed": {
                "input_tokens": sum(self.billed_input.values()),
                "output_tokens": sum(self.billed_output.values()),
                "input_tokens_by_model": self._by(self.billed_input, 1),
                "output_tokens_by_model": self._by(self.billed_output, 1),
            },
            "abandoned_by_model": self._by(self.abandoned, 1),
        }
