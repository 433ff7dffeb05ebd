"""The policy callback's parts: which errors are reshaped and how, which fallbacks are refused, which log records
are shortened. End to end through the real gateway: tests/gateway/test_forwarding.py, test_auth_and_health.py,
test_resilience.py."""

from __future__ import annotations

import logging

import litellm
import pytest

from llmgw_callbacks import errors, fallback_policy, logfilter


def test_bedrocks_message_comes_out_of_litellms_wrapper() -> None:
    wrapped = 'litellm.BadRequestError: BedrockException - {"message": "Input is too long for requested model."}'
    assert errors.upstream_message(wrapped) == "Input is too long for requested model."
    assert errors.upstream_message("litellm.InternalServerError: BedrockException - Cannot connect to host x") is None
    assert errors.upstream_message("Authentication Error, Invalid key") is None


def test_what_is_reshaped() -> None:
    throttled = litellm.RateLimitError(
        message='BedrockException - {"message": "Too many requests, please wait before trying again."}',
        llm_provider="bedrock",
        model="bedrock/global.anthropic.claude-haiku-5-5",
    )
    assert errors.reshape(throttled)[:2] == (429, "Too many requests, please wait before trying again.")
    other = litellm.BadRequestError(message='OpenAIException - {"message": "x"}', llm_provider="openai", model="gpt")
    assert errors.reshape(other) is None
    no_db = type("ProxyException", (Exception,), {"type": "no_db_connection"})()
    assert errors.reshape(no_db) == (401, errors.UNKNOWN_KEY_MESSAGE, {})


@pytest.mark.parametrize(
    ("attempts", "blocked"),
    [
        ([], False),
        (["RateLimitError"], False),
        (["InternalServerError", "ServiceUnavailableError"], False),
        (["BadRequestError"], True),
        (["RateLimitError", "BadRequestError"], True),  # a later model refused it as invalid: no further model
        (["PermissionDeniedError"], True),  # missing IAM for one model is fixed by the operator, not masked
    ],
)
def test_fallbacks_after_a_client_error_are_refused(attempts: list[str], blocked: bool) -> None:
    kwargs = {"litellm_metadata": {"previous_models": tuple({"exception_type": kind} for kind in attempts)}}
    assert fallback_policy.blocks_fallback(kwargs) is blocked
    assert fallback_policy.blocks_fallback({"metadata": kwargs["litellm_metadata"]}) is blocked
    assert fallback_policy.blocks_fallback(None) is False
    assert isinstance(fallback_policy.skipped("claude-haiku-5-5"), litellm.BadRequestError)


def _record(exc: BaseException | None, message: str = "Exception occured - %s", level: int = logging.ERROR):
    record = logging.LogRecord("LiteLLM Proxy", level, __file__, 1, message, (exc,), None)
    if exc is not None:
        record.exc_info = (type(exc), exc, None)
    return record


def test_client_errors_log_one_line_without_traceback() -> None:
    bad = litellm.BadRequestError(
        message='BedrockException - {\n  "message": "x"\n}', llm_provider="bedrock", model="m"
    )
    record = _record(bad)
    assert logfilter.ConciseClientErrors().filter(record) is True
    assert record.exc_info is None and "\n" not in record.getMessage()
    server = litellm.InternalServerError(message="BedrockException - boom", llm_provider="bedrock", model="m")
    kept = _record(server)
    assert logfilter.ConciseClientErrors().filter(kept) is True and kept.exc_info is not None
    fallback = _record(
        bad, "litellm.router.py::async_function_with_fallbacks() - Error occurred while trying to do fallbacks - %s"
    )
    assert logfilter.ConciseClientErrors().filter(fallback) is False
    assert logfilter.ConciseClientErrors().filter(_record(None, "plain info", logging.INFO)) is True


def test_a_budget_refusal_names_amount_period_and_reset() -> None:
    import asyncio
    from datetime import UTC, datetime

    from litellm.proxy._types import UserAPIKeyAuth

    from llmgw_callbacks import budgets

    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    key = litellm.BudgetExceededError(current_cost=50.5, max_budget=50.0, entity_type="key")
    identity = UserAPIKeyAuth(max_budget=50.0, budget_duration="30d", budget_reset_at=datetime(2026, 12, 4, 15, 30))
    period = asyncio.run(budgets.budget_period(key, identity))
    assert errors.budget_message(key, period, now) == (
        "Budget exceeded: the key budget ($50.00 per 30d) is used up ($50.50 spent). It resets at 2026-12-04 15:30 "
        "UTC (in 3d 3h); ask the gateway's operator to raise it if you need more before then."
    )
    team = litellm.BudgetExceededError(current_cost=9, max_budget=8, entity_type="team", entity_id="ml")

    async def cached(key: str) -> object:
        return {"team_id:ml": {"budget_duration": "1mo", "budget_reset_at": "2026-12-01T12:45:00Z"}}.get(key)

    period = asyncio.run(budgets.budget_period(team, UserAPIKeyAuth(team_id="ml"), cached))
    assert "team budget of team 'ml' ($8.00 per 1mo)" in errors.budget_message(team, period, now)
    assert "(in 45m)" in errors.budget_message(team, period, now)
    never = errors.budget_message(team, errors.BudgetPeriod(), now)
    assert never.endswith("It does not reset by itself (no budget duration): ask the gateway's operator to raise it.")
    assert errors.budget_message(ValueError("x"), period, now) is None


def test_the_failure_hook_gives_the_exception_bedrocks_own_message() -> None:
    """Both ways a route renders the error carry Bedrock's message: the HTTPException the hook returns (chat
    completions) and the exception itself (/v1/messages, which ignores the hook's answer in LiteLLM 1.106.2)."""
    import asyncio

    from fastapi import HTTPException
    from litellm.proxy._types import UserAPIKeyAuth

    from llmgw_callbacks.policy import PolicyCallback

    wrapped = litellm.BadRequestError(
        message='BedrockException - {"message": "Input is too long for requested model."}',
        llm_provider="bedrock",
        model="m",
    )
    answer = asyncio.run(PolicyCallback().async_post_call_failure_hook({}, wrapped, UserAPIKeyAuth()))
    assert isinstance(answer, HTTPException) and answer.status_code == 400
    assert answer.detail == wrapped.message == "Input is too long for requested model."
    unrelated = litellm.BadRequestError(message="OpenAIException - bad", llm_provider="openai", model="m")
    assert asyncio.run(PolicyCallback().async_post_call_failure_hook({}, unrelated, UserAPIKeyAuth())) is None
    assert unrelated.message.endswith("OpenAIException - bad")
