"""Label normalisation, cost-centre precedence and the outcome mapping, with LiteLLM's real exception types."""

from __future__ import annotations

import litellm
import pytest
from fastapi import HTTPException
from litellm.proxy._types import ProxyException

from llmgw_callbacks import outcomes
from llmgw_callbacks.labels import MAX_LABEL_LENGTH, normalise, resolve_cost_center, served_model_id, user_label
from llmgw_callbacks.settings import Settings


@pytest.mark.parametrize("missing", [None, "", "None", "null", "  none ", {"a": 1}, ["x"]])
def test_missing_values_are_empty_not_none(missing: object) -> None:
    assert normalise(missing) == ""


def test_values_are_charset_limited_length_capped_and_lowercased_only_when_asked() -> None:
    assert normalise("Team A/β\n{x}") == "Team_A/_x_"
    assert normalise("Claude-Haiku-4-5", lowercase=True) == "claude-haiku-4-5"
    assert normalise("Alice@Example.com") == "Alice@Example.com"  # ids we do not own keep their case
    assert len(normalise("x" * 500)) == MAX_LABEL_LENGTH


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("bedrock/converse/us.anthropic.claude-opus-4-5-20251101-v1:0", "us.anthropic.claude-opus-4-5-20251101-v1:0"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        (
            "bedrock/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
        ),
        (None, ""),
    ],
)
def test_served_model_id_strips_litellm_route_prefixes(model: object, expected: str) -> None:
    assert served_model_id(model, "bedrock") == expected


def test_cost_center_precedence_key_then_team_and_nothing_else() -> None:
    assert resolve_cost_center({"cost_center": "CC-Key"}, {"cost_center": "cc-team"}) == "cc-key"
    assert resolve_cost_center({}, {"cost_center": "cc-team"}) == "cc-team"
    assert resolve_cost_center([None, {"cost_center": "cc-auth"}], None) == "cc-auth"
    assert resolve_cost_center(None, None) == ""


def test_user_labels_are_pseudonyms_unless_the_deployment_opts_in() -> None:
    alice = user_label("alice@example.com", "pseudonym", "salt-1")
    assert alice.startswith("u-") and len(alice) == 18 and "alice" not in alice
    assert alice == user_label("alice@example.com", "pseudonym", "salt-1"), "stable for one salt"
    assert alice != user_label("alice@example.com", "pseudonym", "salt-2"), "a guessed address needs the salt"
    assert alice != user_label("bob@example.com", "pseudonym", "salt-1")
    assert user_label("alice@example.com", "id", "salt-1") == "alice@example.com"
    for unowned in ("", "default_user_id", "other"):
        assert user_label(unowned, "pseudonym", "salt-1") == unowned


def test_the_pseudonym_salt_falls_back_to_the_deployments_own_secrets() -> None:
    assert Settings.from_env({"LLMGW_LABEL_SALT": "a", "LITELLM_SALT_KEY": "b"}).label_salt == "a"
    assert Settings.from_env({"LITELLM_SALT_KEY": "b", "LITELLM_MASTER_KEY": "c"}).label_salt == "b"
    assert Settings.from_env({"LITELLM_MASTER_KEY": "c"}).label_salt == "c"
    assert Settings.from_env({}).user_labels == "pseudonym"
    assert Settings.from_env({"LLMGW_USER_LABELS": "ID"}).user_labels == "id"
    assert Settings.from_env({"LLMGW_USER_LABELS": "emails"}).user_labels == "pseudonym"
    assert "s3cret" not in repr(Settings.from_env({"LLMGW_LABEL_SALT": "s3cret"}))


@pytest.mark.parametrize(
    ("exception", "outcome", "exception_class"),
    [
        (
            litellm.RateLimitError("Too many requests", llm_provider="bedrock", model="m"),
            outcomes.RATE_LIMITED,
            "Bedrock.RateLimitError",
        ),
        (
            litellm.BadRequestError("Malformed input request", model="m", llm_provider="bedrock"),
            outcomes.CLIENT_ERROR,
            "Bedrock.BadRequestError",
        ),
        (
            litellm.ContextWindowExceededError("too long", model="m", llm_provider="bedrock"),
            outcomes.CLIENT_ERROR,
            "Bedrock.ContextWindowExceededError",
        ),
        (
            litellm.AuthenticationError("bad key", llm_provider="bedrock", model="m"),
            outcomes.CLIENT_ERROR,
            "Bedrock.AuthenticationError",
        ),
        (
            litellm.ServiceUnavailableError("unavailable", llm_provider="bedrock", model="m"),
            outcomes.UPSTREAM_ERROR,
            "Bedrock.ServiceUnavailableError",
        ),
        (
            litellm.InternalServerError("boom", llm_provider="bedrock", model="m"),
            outcomes.UPSTREAM_ERROR,
            "Bedrock.InternalServerError",
        ),
        (litellm.Timeout("slow", model="m", llm_provider="bedrock"), outcomes.UPSTREAM_ERROR, "Bedrock.Timeout"),
        (
            litellm.APIConnectionError("refused", llm_provider="bedrock", model="m"),
            outcomes.UPSTREAM_ERROR,
            "Bedrock.APIConnectionError",
        ),
        (
            litellm.BudgetExceededError(current_cost=2.0, max_budget=1.0),
            outcomes.BUDGET_EXCEEDED,
            "BudgetExceededError",
        ),
        (
            ProxyException("Budget exceeded", type="budget_exceeded", param=None, code=400),
            outcomes.BUDGET_EXCEEDED,
            "ProxyException",
        ),
        (
            ProxyException("No connected db.", type="no_db_connection", param=None, code=400),
            outcomes.CLIENT_ERROR,
            "ProxyException",
        ),
        (
            ProxyException("Invalid key", type="auth_error", param=None, code=401),
            outcomes.CLIENT_ERROR,
            "ProxyException",
        ),
        (HTTPException(status_code=429, detail="key rpm limit"), outcomes.RATE_LIMITED, "HTTPException"),
        (HTTPException(status_code=404, detail="nope"), outcomes.CLIENT_ERROR, "HTTPException"),
        (ValueError("bug"), outcomes.UPSTREAM_ERROR, "ValueError"),
    ],
)
def test_outcome_mapping(exception: Exception, outcome: str, exception_class: str) -> None:
    assert outcomes.classify(exception) == (outcome, exception_class)


def test_status_less_rejection_by_authentication_is_a_401_client_error() -> None:
    no_key = Exception("No api key passed in.")
    assert outcomes.classify(no_key, during_authentication=True) == (outcomes.CLIENT_ERROR, "AuthenticationError")
    assert outcomes.classify(no_key) == (outcomes.UPSTREAM_ERROR, "Exception")  # same error after auth: a 500
    budget = litellm.BudgetExceededError(current_cost=2.0, max_budget=1.0)
    assert outcomes.classify(budget, during_authentication=True)[0] == outcomes.BUDGET_EXCEEDED
