"""The callback fed with real StandardLoggingPayload objects (LiteLLM's TypedDicts and cost calculator),
writing to an isolated prometheus registry."""

from __future__ import annotations

import asyncio
import logging
import sys
import types
from collections.abc import Callable

import litellm
import pytest
from litellm.proxy._types import ProxyException, UserAPIKeyAuth
from litellm.types.utils import ModelResponse
from prometheus_client import CollectorRegistry

from callbacks.conftest import run
from callbacks.slp_factory import HAIKU, SONNET, quiet_pydantic_notes, success_kwargs, usage
from llmgw_callbacks.cost_metrics import CostMetricsLogger

Make = Callable[..., CostMetricsLogger]


def value(registry: CollectorRegistry, metric: str, /, **labels: str) -> float:
    found = registry.get_sample_value(metric, labels)
    return 0.0 if found is None else found


def samples(registry: CollectorRegistry, metric: str) -> list[dict[str, str]]:
    return [s.labels for m in registry.collect() for s in m.samples if s.name == metric]


def _who(model: str = HAIKU, group: str = "claude-haiku-4-5") -> dict[str, str]:
    return {"model_group": group, "model": model, "team": "team-a", "user": "alice"}


def test_success_records_litellm_cost_tokens_by_type_and_cache_savings(registry: CollectorRegistry, make_logger: Make):
    logger = make_logger()
    kwargs = success_kwargs(
        input_tokens=120, output_tokens=30, cache_read=2000, cache_write=500, key_metadata={"cost_center": "CC-42"}
    )
    run(logger.async_log_success_event(kwargs, None, None, None))

    slp = kwargs["standard_logging_object"]
    spend_labels = {**_who(), "key_alias": "ci-key", "cost_center": "cc-42"}
    assert value(registry, "llmgw_spend_usd_total", **spend_labels) == slp["response_cost"]  # LiteLLM's own figure
    # ... which already contains the cache read/write costs: nothing is added on top
    price = litellm.model_cost[HAIKU]
    by_price = (
        120 * price["input_cost_per_token"]
        + 30 * price["output_cost_per_token"]
        + 2000 * price["cache_read_input_token_cost"]
        + 500 * price["cache_creation_input_token_cost"]
    )
    assert slp["response_cost"] == pytest.approx(by_price, abs=1e-12)
    for token_type, count in {"input": 120, "output": 30, "cache_read": 2000, "cache_write": 500}.items():
        assert value(registry, "llmgw_tokens_total", **_who(), type=token_type) == count
    saving = 2000 * (price["input_cost_per_token"] - price["cache_read_input_token_cost"])
    savings = value(
        registry, "llmgw_cache_savings_usd_total", model_group="claude-haiku-4-5", team="team-a", user="alice"
    )
    assert savings == pytest.approx(saving, abs=1e-15)
    requests = {"model_group": "claude-haiku-4-5", "team": "team-a", "user": "alice"}
    assert value(registry, "llmgw_requests_total", **requests, outcome="success", exception_class="") == 1


def test_a_fallback_is_attributed_to_the_model_that_served(registry: CollectorRegistry, make_logger: Make):
    logger = make_logger()
    kwargs = success_kwargs(model_id=SONNET, model_group="claude-sonnet-4-5", stream=True)
    run(logger.async_log_success_event(kwargs, None, None, None))
    spent = {labels["model"]: labels["model_group"] for labels in samples(registry, "llmgw_spend_usd_total")}
    assert spent == {SONNET: "claude-sonnet-4-5"}


def test_missing_values_are_empty_labels_never_none(registry: CollectorRegistry, make_logger: Make):
    logger = make_logger()
    run(logger.async_log_success_event(success_kwargs(team=None, user="None", key_alias=None), None, None, None))
    for name in ("llmgw_spend_usd_total", "llmgw_tokens_total", "llmgw_requests_total"):
        for labels in samples(registry, name):
            assert labels["team"] == "" and labels["user"] == "", labels
            assert "None" not in labels.values(), labels


def test_cost_center_from_team_metadata_never_from_a_request_tag_on_the_messages_route(
    registry: CollectorRegistry, make_logger: Make
):
    logger = make_logger()
    run(
        logger.async_log_success_event(
            success_kwargs(
                team_metadata={"cost_center": "Team-CC"}, tags=["cost-center:tag-cc"], metadata_field="litellm_metadata"
            ),
            None,
            None,
            None,
        )
    )
    run(logger.async_log_success_event(success_kwargs(tags=["cost-center:Tag-CC"]), None, None, None))
    centres = sorted(labels["cost_center"] for labels in samples(registry, "llmgw_spend_usd_total"))
    assert centres == ["", "team-cc"]  # a client's own tag chooses no label


def test_budget_utilisation_for_keys_and_users_when_litellm_supplies_budgets(
    registry: CollectorRegistry, make_logger: Make
):
    logger = make_logger()
    kwargs = success_kwargs(key_spend=4.0, key_max_budget=10.0, user_spend=1.0, user_max_budget=2.0, cost=1.0)
    run(logger.async_log_success_event(kwargs, None, None, None))
    assert value(registry, "llmgw_budget_utilisation_ratio", scope="key", name="ci-key") == pytest.approx(0.5)
    assert value(registry, "llmgw_budget_utilisation_ratio", scope="user", name="alice") == pytest.approx(1.0)
    run(
        logger.async_log_success_event(success_kwargs(key_alias=None, key_max_budget=5.0, user="bob"), None, None, None)
    )
    assert {(s["scope"], s["name"]) for s in samples(registry, "llmgw_budget_utilisation_ratio")} == {
        ("key", "ci-key"),
        ("user", "alice"),
    }  # no alias, no budget: nothing to report


def test_failures_count_zero_cost_by_outcome_and_class(registry: CollectorRegistry, make_logger: Make):
    logger = make_logger()
    caller = UserAPIKeyAuth(user_id="alice", team_id="team-a", request_route="/v1/chat/completions")
    llm_request = {
        "model": "claude-haiku-4-5",
        "litellm_call_id": "c1",
        "proxy_server_request": {},
        "metadata": {"model_group": "claude-haiku-4-5"},
    }
    throttled = litellm.RateLimitError("Too many requests", llm_provider="bedrock", model=HAIKU)
    assert run(logger.async_post_call_failure_hook(llm_request, throttled, caller)) is None  # error not transformed
    no_key = Exception("No api key passed in.")
    run(
        logger.async_post_call_failure_hook(
            {"model": "claude-haiku-4-5"}, no_key, UserAPIKeyAuth(request_route="/v1/chat/completions")
        )
    )
    # a scraper with a wrong token is not an LLM request
    run(
        logger.async_post_call_failure_hook(
            {}, ProxyException("bad", "auth_error", None, 401), UserAPIKeyAuth(request_route="/metrics/")
        )
    )
    got = {(s["outcome"], s["exception_class"], s["team"]) for s in samples(registry, "llmgw_requests_total")}
    assert got == {("rate_limited", "Bedrock.RateLimitError", "team-a"), ("client_error", "AuthenticationError", "")}
    assert samples(registry, "llmgw_spend_usd_total") == []
    assert samples(registry, "llmgw_tokens_total") == []


def test_in_flight_counts_a_request_once_from_pre_call_to_its_end(registry: CollectorRegistry, make_logger: Make):
    logger = make_logger()
    caller = UserAPIKeyAuth(user_id="alice", request_route="/v1/chat/completions")
    data = {"litellm_call_id": "call-1", "model": "claude-opus-4-5"}
    assert run(logger.async_pre_call_hook(caller, None, data, "acompletion")) is None  # request untouched
    run(logger.async_pre_call_hook(caller, None, {"litellm_call_id": "call-2"}, "anthropic_messages"))
    assert value(registry, "llmgw_in_flight_requests") == 2
    run(logger.async_log_success_event(success_kwargs(call_id="call-1"), None, None, None))  # after a fallback
    run(
        logger.async_post_call_failure_hook(
            {"litellm_call_id": "call-2", "proxy_server_request": {}},
            litellm.BadRequestError("x", "m", "bedrock"),
            caller,
        )
    )
    run(logger.async_post_call_failure_hook({"litellm_call_id": "never-started"}, Exception("no key"), caller))
    assert value(registry, "llmgw_in_flight_requests") == 0


def test_series_cap_folds_new_principals_into_other_and_counts_the_overflow(
    registry: CollectorRegistry, make_logger: Make
):
    logger = make_logger(max_series_per_metric=2)
    kwargs = [success_kwargs(user=f"user-{i}", cost=0.5) for i in range(5)]
    kwargs.append(success_kwargs(user="user-0", model_id=SONNET, model_group="claude-sonnet-4-5", cost=0.5))
    for k in kwargs:
        run(logger.async_log_success_event(k, None, None, None))
    users = sorted((s["user"], s["model"]) for s in samples(registry, "llmgw_spend_usd_total"))
    # an admitted principal keeps its slot on another model; model labels are never folded
    assert users == [("other", HAIKU), ("user-0", HAIKU), ("user-0", SONNET), ("user-1", HAIKU)]
    folded = {"team": "other", "user": "other", "key_alias": "other", "cost_center": "other"}
    assert value(
        registry, "llmgw_spend_usd_total", model_group="claude-haiku-4-5", model=HAIKU, **folded
    ) == pytest.approx(1.5)  # totals stay exact
    token_users = {s["user"] for s in samples(registry, "llmgw_tokens_total")}
    assert token_users == {"user-0", "user-1", "other"}  # the four token types share one admission
    assert len(samples(registry, "llmgw_tokens_total")) == 4 * 4
    for metric in (
        "llmgw_spend_usd_total",
        "llmgw_tokens_total",
        "llmgw_requests_total",
        "llmgw_cache_savings_usd_total",
    ):
        assert value(registry, "llmgw_label_overflow_total", metric=metric) == 3, metric


def test_an_exception_inside_the_callback_never_escapes_and_is_counted_and_logged_once(
    registry: CollectorRegistry, make_logger: Make, caplog: pytest.LogCaptureFixture
):
    logger = make_logger(fault_injection=True)
    caller = UserAPIKeyAuth(user_id="alice", request_route="/v1/chat/completions")
    with caplog.at_level(logging.DEBUG, logger="llmgw_callbacks"):
        for _ in range(3):
            assert run(logger.async_pre_call_hook(caller, None, {"litellm_call_id": "x"}, "acompletion")) is None
            run(logger.async_log_success_event(success_kwargs(), None, None, None))
            assert run(logger.async_post_call_failure_hook({}, ValueError("x"), caller)) is None
    for hook in ("pre_call_hook", "log_success_event", "post_call_failure_hook"):
        assert value(registry, "llmgw_callback_errors_total", kind=f"{hook}:InjectedFault") == 3
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 3  # one per kind, not one per occurrence
    assert samples(registry, "llmgw_requests_total") == []


def test_a_payload_without_standard_logging_object_is_a_counted_callback_error(
    registry: CollectorRegistry, make_logger: Make
):
    logger = make_logger()
    run(logger.async_log_success_event({"litellm_call_id": "x"}, None, None, None))
    run(logger.async_log_success_event(None, None, None, None))
    assert value(registry, "llmgw_callback_errors_total", kind="log_success_event:TypeError") == 2


def test_litellm_logging_pipeline_builds_the_payload_the_callback_reads(registry: CollectorRegistry, make_logger: Make):
    """LiteLLM's own logging (not our factory) builds the StandardLoggingPayload of a mocked Bedrock call."""
    logger = make_logger()
    u = usage(input_tokens=40, output_tokens=12, cache_read=300, cache_write=0)
    mocked = ModelResponse(
        model=SONNET,
        usage=u,
        choices=[{"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop", "index": 0}],
    )
    saved = litellm.callbacks
    litellm.callbacks = [logger]
    try:

        async def call_and_wait() -> None:
            await litellm.acompletion(
                model=f"bedrock/{SONNET}",
                messages=[{"role": "user", "content": "hi"}],
                mock_response=mocked,
                metadata={
                    "model_group": "claude-sonnet-4-5",
                    "user_api_key_team_id": "team-b",
                    "user_api_key_user_id": "carol",
                    "tags": ["cost-center:rnd"],  # a client's tag: ignored
                },
            )
            for _ in range(200):  # success callbacks run after the response is returned
                if registry.get_sample_value(
                    "llmgw_requests_total",
                    {
                        "model_group": "claude-sonnet-4-5",
                        "team": "team-b",
                        "user": "carol",
                        "outcome": "success",
                        "exception_class": "",
                    },
                ):
                    return
                await asyncio.sleep(0.05)

        with quiet_pydantic_notes():
            run(call_and_wait())
    finally:
        litellm.callbacks = saved
    price = litellm.model_cost[SONNET]
    expected = (
        40 * price["input_cost_per_token"]
        + 12 * price["output_cost_per_token"]
        + 300 * price["cache_read_input_token_cost"]
    )
    spent = value(
        registry,
        "llmgw_spend_usd_total",
        model_group="claude-sonnet-4-5",
        model=SONNET,
        team="team-b",
        user="carol",
        key_alias="",
        cost_center="",
    )
    assert spent == pytest.approx(expected, abs=1e-12)
    who = {"model_group": "claude-sonnet-4-5", "model": SONNET, "team": "team-b", "user": "carol"}
    assert value(registry, "llmgw_tokens_total", **who, type="input") == 40
    assert value(registry, "llmgw_tokens_total", **who, type="cache_read") == 300


def test_only_configured_model_groups_become_labels_and_aliases_resolve_to_their_group(
    registry: CollectorRegistry, make_logger: Make, monkeypatch: pytest.MonkeyPatch
):
    # the proxy's router as the callback finds it (litellm.proxy.proxy_server.llm_router): groups and aliases
    router = types.SimpleNamespace(
        model_names={"claude-haiku-4-5"}, model_group_alias={"claude-haiku-4-5-20251001": "claude-haiku-4-5"}
    )
    monkeypatch.setitem(sys.modules, "litellm.proxy.proxy_server", types.SimpleNamespace(llm_router=router))
    logger = make_logger()
    caller = UserAPIKeyAuth(request_route="/v1/messages")
    for model in ("claude-haiku-4-5-20251001", "made-up-model"):
        rejected = {"model": model, "metadata": {"model_group": model}}  # as LiteLLM logs an auth rejection
        run(logger.async_post_call_failure_hook(rejected, Exception("No api key passed in."), caller))
    run(logger.async_log_success_event(success_kwargs(model_group="claude-haiku-4-5-20251001"), None, None, None))
    groups = sorted((s["model_group"], s["outcome"]) for s in samples(registry, "llmgw_requests_total"))
    assert groups == [("", "client_error"), ("claude-haiku-4-5", "client_error"), ("claude-haiku-4-5", "success")]
