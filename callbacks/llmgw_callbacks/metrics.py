"""The exported ``llmgw_*`` series, with the per-metric series cap applied to their principal labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge

from .admission import Admissions, new_admissions
from .labels import (
    BUDGET_LABELS,
    CACHE_SAVINGS_LABELS,
    OTHER,
    PRINCIPAL_LABELS,
    REQUESTS_LABELS,
    SPEND_LABELS,
    TOKENS_LABELS,
    normalise,
)
from .process_stats import ProcessSampler, cpu_seconds, resident_memory_bytes
from .settings import Settings

SPEND = "llmgw_spend_usd_total"
TOKENS = "llmgw_tokens_total"
REQUESTS = "llmgw_requests_total"
CACHE_SAVINGS = "llmgw_cache_savings_usd_total"
CACHE_WRITE_SPEND = "llmgw_cache_write_spend_usd_total"
BUDGET = "llmgw_budget_utilisation_ratio"
IN_FLIGHT = "llmgw_in_flight_requests"
PROCESS_RSS = "llmgw_process_resident_memory_bytes"
PROCESS_CPU = "llmgw_process_cpu_seconds_total"
CALLBACK_ERRORS = "llmgw_callback_errors_total"
LABEL_OVERFLOW = "llmgw_label_overflow_total"
CAPPED_METRICS = (SPEND, TOKENS, REQUESTS, CACHE_SAVINGS, CACHE_WRITE_SPEND, BUDGET)


@dataclass(frozen=True, slots=True)
class CappedFamily:
    """A labelled metric whose principal labels (team, user, key alias, cost centre, name) are admitted by an
    :class:`Admissions` or folded into ``other``; its bounded labels (model group, model, type...) are kept."""

    name: str
    metric: Counter | Gauge
    principal_labels: tuple[str, ...]
    admissions: Admissions
    overflow: Counter

    def admit(self, principal: Mapping[str, str]) -> dict[str, str]:
        """The principal label values to record an observation under: themselves if their combination is
        admitted, else ``other`` for each of them.

        Call once per observation (one overflow count per folded observation) and use the result for every
        child written for it (the four token types of one request share one admission)."""
        key = tuple(principal[label] for label in self.principal_labels)
        if self.admissions.admit(key):
            return {label: principal[label] for label in self.principal_labels}
        self.overflow.labels(metric=self.name).inc()
        return dict.fromkeys(self.principal_labels, OTHER)

    def labels(self, principal: Mapping[str, str], **bounded: str) -> Counter | Gauge:
        """The child for one observation: admitted (or folded) principal labels plus the bounded ones."""
        return self.metric.labels(**self.admit(principal), **bounded)


class Metrics:
    """All ``llmgw_*`` metrics of one process, registered in ``registry`` (prometheus-client's default one
    unless a test passes its own). In multiprocess mode the samples go to ``PROMETHEUS_MULTIPROC_DIR`` and
    LiteLLM's ``/metrics/`` aggregates every worker's files; the registry then only matters for tests."""

    def __init__(self, settings: Settings, registry: CollectorRegistry = REGISTRY) -> None:
        self.settings = settings
        self.multiprocess = settings.multiproc_dir is not None
        self.label_overflow = Counter(
            "llmgw_label_overflow",
            "Observations whose team/user/key_alias/cost_center/name were folded into 'other' by the per-metric "
            "series cap (LLMGW_MAX_SERIES_PER_METRIC).",
            ["metric"],
            registry=registry,
        )
        self.callback_errors = Counter(
            "llmgw_callback_errors",
            "Exceptions caught inside the cost-metrics callback (the request itself is never affected), by "
            "hook:exception class.",
            ["kind"],
            registry=registry,
        )
        self.spend = self._capped(
            SPEND,
            Counter(
                "llmgw_spend_usd",
                "Cost in USD Bedrock bills (LiteLLM's response_cost): successful requests, and the partial usage of "
                "streams that failed mid-way or that the client abandoned.",
                SPEND_LABELS,
                registry=registry,
            ),
            SPEND_LABELS,
        )
        self.tokens = self._capped(
            TOKENS,
            Counter(
                "llmgw_tokens",
                "Tokens Bedrock bills by type: input (uncached), output, cache_read, cache_write (successful "
                "requests and the partial usage of failed or abandoned streams).",
                TOKENS_LABELS,
                registry=registry,
            ),
            TOKENS_LABELS,
        )
        self.requests = self._capped(
            REQUESTS,
            Counter(
                "llmgw_requests",
                "Client requests by outcome (success, client_error, upstream_error, rate_limited, "
                "budget_exceeded, worker_lost: in flight when their worker died) and exception class.",
                REQUESTS_LABELS,
                registry=registry,
            ),
            REQUESTS_LABELS,
        )
        self.cache_savings = self._capped(
            CACHE_SAVINGS,
            Counter(
                "llmgw_cache_savings_usd",
                "USD saved by prompt-cache reads: cache_read tokens x (input price - cache read price).",
                CACHE_SAVINGS_LABELS,
                registry=registry,
            ),
            CACHE_SAVINGS_LABELS,
        )
        self.cache_write_spend = self._capped(
            CACHE_WRITE_SPEND,
            Counter(
                "llmgw_cache_write_spend_usd",
                "USD spent writing the prompt cache (part of llmgw_spend_usd_total): 5-minute writes at the cache "
                "write price, 1-hour writes at the 1-hour price.",
                CACHE_SAVINGS_LABELS,
                registry=registry,
            ),
            CACHE_SAVINGS_LABELS,
        )
        self.budget = self._capped(
            BUDGET,
            Gauge(
                BUDGET,
                "Spend / max budget of a user or key as of its latest request (1 = budget used up).",
                BUDGET_LABELS,
                registry=registry,
                multiprocess_mode="mostrecent",
            ),
            BUDGET_LABELS,
        )
        self.in_flight = Gauge(
            IN_FLIGHT,
            "LLM requests between the pre-call hook and their success/failure event (summed across workers).",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.process_rss = Gauge(
            PROCESS_RSS,
            "Resident memory of the worker process in bytes (multiprocess mode adds a pid label).",
            registry=registry,
            multiprocess_mode="liveall",
        )
        self.process_cpu = Gauge(
            PROCESS_CPU,
            "User + system CPU seconds of the worker process (multiprocess mode adds a pid label).",
            registry=registry,
            multiprocess_mode="liveall",
        )
        for name in CAPPED_METRICS:  # zero series, so "no overflow" is a visible 0 rather than absent
            self.label_overflow.labels(metric=name)
        self.sampler: ProcessSampler | None = None
        if self.multiprocess:
            self.sampler = ProcessSampler(self.process_rss, self.process_cpu, settings.process_sample_seconds)
        else:
            self.process_rss.set_function(resident_memory_bytes)
            self.process_cpu.set_function(cpu_seconds)

    def _capped(self, name: str, metric: Counter | Gauge, labels: tuple[str, ...]) -> CappedFamily:
        principal = tuple(label for label in labels if label in PRINCIPAL_LABELS)
        admissions = new_admissions(name, self.settings.max_series_per_metric, self.settings.multiproc_dir)
        return CappedFamily(name, metric, principal, admissions, self.label_overflow)

    def ensure_process_sampler(self) -> None:
        if self.sampler is not None:
            self.sampler.ensure_running()

    def count_callback_error(self, kind: str) -> None:
        self.callback_errors.labels(kind=normalise(kind)).inc()
