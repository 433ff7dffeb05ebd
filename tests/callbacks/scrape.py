"""Reading the gateway's ``/metrics/`` in tests: parsed samples, sums over label subsets, waiting for events.

LiteLLM runs success callbacks after the response has been sent, so a test waits until the metrics show
the requests it made (polling, never a fixed sleep) before comparing values.
"""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from support.stack import Gateway


@dataclass(frozen=True)
class Snapshot:
    samples: tuple[tuple[str, dict[str, str], float], ...]

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        found = []
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name.startswith("llmgw_"):
                    found.append((sample.name, dict(sample.labels), float(sample.value)))
        return cls(tuple(found))

    def series(self, name: str, **labels: str) -> list[tuple[dict[str, str], float]]:
        return [
            (got, value)
            for sample_name, got, value in self.samples
            if sample_name == name and all(got.get(k) == v for k, v in labels.items())
        ]

    def total(self, name: str, **labels: str) -> float:
        """Sum of every sample of ``name`` whose labels include ``labels``."""
        return sum(value for _, value in self.series(name, **labels))


def scrape(gateway: Gateway) -> Snapshot:
    return Snapshot.parse(gateway.metrics_text())


def settled(gateway: Gateway) -> Snapshot:
    """A snapshot once no request is in flight: the callback ends a request's in-flight count only after
    recording it, so earlier traffic (other tests') can no longer change the counters under a test."""
    return wait_for(gateway, lambda s: s.total("llmgw_in_flight_requests") == 0)


def wait_for(gateway: Gateway, ready: Callable[[Snapshot], bool], timeout: float = 60.0) -> Snapshot:
    """Scrape until ``ready(snapshot)``; fail with the last snapshot's llmgw_requests_total if it never is. A
    scrape that times out (a worker restarting beside a busy one on a loaded machine) is retried until the deadline,
    like the next scrape of a real scraper."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            snapshot = scrape(gateway)
        except (TimeoutError, urllib.error.URLError) as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"metrics never answered in {timeout:.0f}s: {exc!r}") from exc
            continue
        if ready(snapshot):
            return snapshot
        if time.monotonic() > deadline:
            raise AssertionError(f"metrics never got there: {snapshot.series('llmgw_requests_total')}")
        time.sleep(0.2)


def requests_settled(before: Snapshot, count: int) -> Callable[[Snapshot], bool]:
    """Ready once ``count`` more requests (any outcome) were counted than in ``before``."""
    start = before.total("llmgw_requests_total")
    return lambda now: now.total("llmgw_requests_total") >= start + count
