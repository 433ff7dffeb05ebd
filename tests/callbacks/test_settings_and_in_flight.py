"""Settings from the environment and the in-flight bookkeeping (TTL for requests whose end never arrives)."""

from __future__ import annotations

from llmgw_callbacks.inflight import InFlight
from llmgw_callbacks.settings import DEFAULT_MAX_SERIES_PER_METRIC, Settings


def test_settings_from_env_with_bad_values_fall_back_to_defaults() -> None:
    s = Settings.from_env(
        {
            "LLMGW_MAX_SERIES_PER_METRIC": "500",
            "LLMGW_PROCESS_SAMPLE_SECONDS": "0",
            "LLMGW_IN_FLIGHT_TTL_SECONDS": "soon",
            "LLMGW_CALLBACK_FAULT_INJECTION": "RAISE",
            "PROMETHEUS_MULTIPROC_DIR": "/tmp/prom",
        }
    )
    assert (s.max_series_per_metric, s.process_sample_seconds, s.in_flight_ttl_seconds) == (500, 5.0, 1800.0)
    assert s.fault_injection and s.multiproc_dir == "/tmp/prom"
    s = Settings.from_env({"LLMGW_MAX_SERIES_PER_METRIC": "-3", "LLMGW_CALLBACK_FAULT_INJECTION": "maybe"})
    assert s.max_series_per_metric == DEFAULT_MAX_SERIES_PER_METRIC and not s.fault_injection
    assert s.multiproc_dir is None


class _Gauge:
    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1) -> None:
        self.value += amount

    def dec(self, amount: float = 1) -> None:
        self.value -= amount


def test_in_flight_is_idempotent_per_call_id_and_forgets_requests_after_the_ttl() -> None:
    now = [0.0]
    gauge = _Gauge()
    tracker = InFlight(gauge, ttl_seconds=100, clock=lambda: now[0])
    tracker.start("a")
    tracker.start("a")  # a retry/fallback of the same request
    tracker.start(None)
    assert gauge.value == 1
    tracker.finish("a")
    tracker.finish("a")
    tracker.finish("unknown")
    assert gauge.value == 0
    tracker.start("lost")  # its end never arrives
    now[0] = 500.0
    tracker.start("b")  # a start after the sweep interval drops "lost"
    assert gauge.value == 1 and len(tracker) == 1
