"""FinOps cost metrics for the LiteLLM proxy: the callback ``litellm_settings.callbacks`` loads.

Registered in infra/litellm/config.yaml as ``llmgw_callbacks.cost_metrics.proxy_handler_instance``; LiteLLM
imports this module in every worker and calls the hooks below. What is exported, from which LiteLLM data,
and the PromQL built on it: docs/cost-tracking.md.

Hooks used (LiteLLM 1.106.2 proxy):

* ``async_pre_call_hook`` — once per LLM request after authentication: starts the in-flight count.
* ``async_log_success_event`` — once per successful request, after the stream ended for streams, with the
  ``StandardLoggingPayload`` of the deployment that served (after retries and fallbacks): spend, tokens,
  cache savings, budget utilisation, ``requests{outcome="success"}``.
* ``async_post_call_failure_hook`` — once per failed client request, including authentication and budget
  rejections and streams that fail mid-way: ``requests{outcome=...}``.
* ``async_log_failure_event`` — once per failed *attempt* (the throttled Opus call before the Sonnet fallback
  too), so never used for request counts; but an attempt that failed mid-stream carries the usage Bedrock bills for
  it (LiteLLM prices the partial stream), and that goes into spend and tokens. A client that leaves a stream is
  billed by LiteLLM as a success with the partial usage (the upstream stream is closed:
  ANTHROPIC_MESSAGES_MAX_DETACHED_STREAM_DRAINS=0, docs/reliability.md).

No hook ever raises or changes the request: every body runs inside :class:`HookGuard`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from litellm.integrations.custom_logger import CustomLogger

from . import labels, payload
from .guard import HookGuard, InjectedFault
from .inflight import InFlight
from .metrics import Metrics
from .outcomes import SUCCESS
from .settings import Settings
from .worker_lost import EXCEPTION_CLASS, WORKER_LOST, InFlightFile, count_dead_workers

# Call types of the pre-call hook that end in a success event or a failure hook (others, e.g. token counting,
# would leave the in-flight gauge up until the TTL).
IN_FLIGHT_CALL_TYPES = frozenset(
    {
        "completion",
        "acompletion",
        "anthropic_messages",
        "responses",
        "aresponses",
        "text_completion",
        "atext_completion",
        "embeddings",
        "aembedding",
        "llm_passthrough_route",
        "allm_passthrough_route",
        "pass_through_endpoint",
    }
)


class _Lost(Exception):
    """Stands for the failure of a request whose worker dies (only its labels are taken)."""


_default_metrics: Metrics | None = None
_default_metrics_lock = threading.Lock()


def default_metrics(settings: Settings) -> Metrics:
    """The process-wide metrics in prometheus-client's default registry (created once per process)."""
    global _default_metrics
    with _default_metrics_lock:
        if _default_metrics is None:
            _default_metrics = Metrics(settings)
        return _default_metrics


def _is_llm_route(route: object) -> bool:
    """Failures on non-LLM routes (``/metrics/`` with a wrong token, ``/key/generate``...) are not requests."""
    if not isinstance(route, str) or not route:
        return True
    from litellm.proxy.auth.route_checks import RouteChecks

    return RouteChecks.is_llm_api_route(route)


class CostMetricsLogger(CustomLogger):
    def __init__(self, settings: Settings | None = None, metrics: Metrics | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings.from_env()
        self._metrics = metrics
        self.guard = HookGuard(self._count_error)
        self._in_flight: InFlight | None = None
        self._in_flight_file: InFlightFile | None = None
        self._in_flight_file_pid: int | None = None
        with self.guard("init"):
            self._ready()

    # -- plumbing ------------------------------------------------------------------------------------------

    @property
    def metrics(self) -> Metrics:
        if self._metrics is None:
            self._metrics = default_metrics(self.settings)
        return self._metrics

    def _ready(self) -> Metrics:
        metrics = self.metrics
        if self._in_flight is None:
            self._in_flight = InFlight(metrics.in_flight, self.settings.in_flight_ttl_seconds)
        if metrics.sampler is not None and self._in_flight_file_pid != os.getpid():  # once per worker process
            self._in_flight_file_pid = os.getpid()
            self._in_flight_file = InFlightFile(str(self.settings.multiproc_dir))
            metrics.sampler.jobs.append(self.count_dead_workers)
        metrics.ensure_process_sampler()
        return metrics

    def count_dead_workers(self) -> list[int]:
        """Count the requests a dead worker of this gateway had in flight (outcome worker_lost)."""
        if self.settings.multiproc_dir is None:
            return []

        def lost(labels: Mapping[str, str]) -> None:
            who = {"team": labels.get("team", ""), "user": labels.get("user", "")}
            self.metrics.requests.labels(
                who, model_group=labels.get("model_group", ""), outcome=WORKER_LOST, exception_class=EXCEPTION_CLASS
            ).inc()

        return count_dead_workers(str(self.settings.multiproc_dir), lost)

    def _start(self, data: Mapping, user_api_key_dict: object) -> None:
        call_id = data.get("litellm_call_id")
        self.in_flight.start(call_id)
        if self._in_flight_file is not None and isinstance(call_id, str) and call_id:
            record = payload.failure_record(data, _Lost(), user_api_key_dict)
            labels = {"team": record.team, "user": self._user(record.user), "model_group": record.model_group}
            self._in_flight_file.add(call_id, labels)

    def _finish(self, call_id: object) -> None:
        self.in_flight.finish(call_id if isinstance(call_id, str) else None)
        if self._in_flight_file is not None and isinstance(call_id, str) and call_id:
            self._in_flight_file.remove(call_id)

    @property
    def in_flight(self) -> InFlight:
        self._ready()
        assert self._in_flight is not None
        return self._in_flight

    def _count_error(self, kind: str) -> None:
        if self._metrics is not None:
            self._metrics.count_callback_error(kind)

    def _fault(self, hook: str) -> None:
        if self.settings.fault_injection:
            raise InjectedFault(f"LLMGW_CALLBACK_FAULT_INJECTION=raise in {hook}")

    # -- LiteLLM hooks -------------------------------------------------------------------------------------

    async def async_pre_call_hook(self, user_api_key_dict, cache, data, call_type):  # type: ignore[override]
        with self.guard("pre_call_hook"):
            self._fault("pre_call_hook")
            self._ready()
            if call_type in IN_FLIGHT_CALL_TYPES and isinstance(data, Mapping):
                self._start(data, user_api_key_dict)
        return None  # never modify or reject the request

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[override]
        with self.guard("log_success_event"):
            self._fault("log_success_event")
            self._ready()
            try:
                self.record_success(payload.success_record(kwargs))
            finally:  # after recording: in flight = 0 means every started request is in the counters
                if isinstance(kwargs, Mapping):
                    self._finish(kwargs.get("litellm_call_id"))

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[override]
        with self.guard("log_failure_event"):
            self._fault("log_failure_event")
            self._ready()
            if isinstance(kwargs, Mapping) and isinstance(kwargs.get("standard_logging_object"), Mapping):
                record = payload.success_record(kwargs)
                if record.cost_usd > 0 or any(record.tokens.by_type().values()):
                    self.record_billed(record)

    async def async_post_call_failure_hook(  # type: ignore[override]
        self, request_data, original_exception, user_api_key_dict, traceback_str=None
    ):
        with self.guard("post_call_failure_hook"):
            self._fault("post_call_failure_hook")
            self._ready()
            request_data = request_data if isinstance(request_data, Mapping) else {}
            try:
                if _is_llm_route(getattr(user_api_key_dict, "request_route", None)):
                    self.record_failure(payload.failure_record(request_data, original_exception, user_api_key_dict))
            finally:
                self._finish(request_data.get("litellm_call_id"))
        return None  # never transform the error the client gets

    # -- recording -----------------------------------------------------------------------------------------

    def _user(self, user_id: str) -> str:
        return labels.user_label(user_id, self.settings.user_labels, self.settings.label_salt)

    def record_success(self, record: payload.SuccessRecord) -> None:
        self.record_billed(record)
        m = self.metrics
        who = {"team": record.team, "user": self._user(record.user)}
        m.requests.labels(who, model_group=record.model_group, outcome=SUCCESS, exception_class="").inc()
        for budget in record.budgets:
            name = self._user(budget.name) if budget.scope == "user" else budget.name
            m.budget.labels({"name": name}, scope=budget.scope).set(budget.ratio)

    def record_billed(self, record: payload.SuccessRecord) -> None:
        """What Bedrock bills for one attempt: spend, tokens, cache savings and cache-write spend."""
        m = self.metrics
        who = {"team": record.team, "user": self._user(record.user)}
        spender = {**who, "key_alias": record.key_alias, "cost_center": record.cost_center}
        model = {"model_group": record.model_group, "model": record.model}
        m.spend.labels(spender, **model).inc(record.cost_usd)
        admitted = m.tokens.admit(who)  # one admission for the four token types of this request
        for token_type, count in record.tokens.by_type().items():
            m.tokens.metric.labels(**admitted, **model, type=token_type).inc(count)
        m.cache_savings.labels(who, model_group=record.model_group).inc(record.cache_savings_usd)
        m.cache_write_spend.labels(who, model_group=record.model_group).inc(record.cache_write_usd)

    def record_failure(self, record: payload.FailureRecord) -> None:
        who = {"team": record.team, "user": self._user(record.user)}
        self.metrics.requests.labels(
            who, model_group=record.model_group, outcome=record.outcome, exception_class=record.exception_class
        ).inc()


proxy_handler_instance = CostMetricsLogger()
