"""Error responses a developer can act on, from LiteLLM's own failure hook (never by patching LiteLLM).

Used by the policy callback (policy.py). LiteLLM 1.106.2
lets a callback's ``async_post_call_failure_hook`` return an ``HTTPException`` that replaces the error the client
gets (litellm/proxy/utils.py ``ProxyLogging.post_call_failure_hook``); the proxy then renders it in the shape of
the route (Anthropic ``{"type": "error", "error": {...}}`` on /v1/messages, OpenAI's on chat completions). Two
errors are reshaped, everything else is left exactly as LiteLLM sends it:

* **An error Bedrock answered** (LiteLLM wraps it as ``litellm.BadRequestError: BedrockException - {"message":
  "..."}``): the client gets Bedrock's status and Bedrock's own message, so Claude Code shows "This model does
  not support assistant message prefill..." instead of LiteLLM's wrapper.
* **A key the gateway cannot know** without a key database ("No connected db.", 400 in LiteLLM): 401, which is
  what an unknown key is, and what makes Claude Code re-run its ``apiKeyHelper``.

LiteLLM 1.106.2 ignores the hook's answer on /v1/messages (proxy/anthropic_endpoints/endpoints.py discards it),
so there Bedrock's message arrives inside LiteLLM's wrapper; the no-database 401 comes from the authentication
step, which does use it, on every route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

BEDROCK_PROVIDERS = frozenset({"bedrock", "bedrock_converse", "bedrock_mantle"})
NO_DB_TYPE = "no_db_connection"
UNKNOWN_KEY_MESSAGE = (
    "Authentication Error: invalid API key. This gateway runs without a key database, so it accepts only its "
    "master key; ask the gateway's operator for a key of a deployment with a database."
)
_WRAPPED = re.compile(r"(?:[A-Za-z_]+)Exception - (?P<body>.*)$", re.DOTALL)
_KEPT_HEADERS = ("retry-after", "x-amzn-requestid", "x-amzn-errortype")


def upstream_message(text: str) -> str | None:
    """Bedrock's message out of LiteLLM's wrapper, or None when the text is not an answer Bedrock gave (Bedrock
    answers JSON; a connection failure or LiteLLM's own error keeps LiteLLM's text)."""
    match = _WRAPPED.search(text)
    if match is None:
        return None
    body = match["body"].strip()
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if isinstance(parsed, Mapping):
        inner = parsed.get("message") or parsed.get("Message")
        if isinstance(inner, str):
            return inner
        error = parsed.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return error["message"]
    return None


def _headers(exception: BaseException) -> dict[str, str]:
    found: dict[str, str] = {}
    for source in (getattr(exception, "headers", None), getattr(getattr(exception, "response", None), "headers", None)):
        if source is None:
            continue
        try:
            items = dict(source).items()
        except (TypeError, ValueError):
            continue
        for key, value in items:
            if str(key).lower() in _KEPT_HEADERS:
                found[str(key).lower()] = str(value)
    return found


def _status(exception: BaseException) -> int | None:
    for attribute in ("status_code", "code"):
        value = getattr(exception, attribute, None)
        try:
            status = int(str(value))
        except (TypeError, ValueError):
            continue
        if 400 <= status <= 599:
            return status
    return None


def replace_message(exception: BaseException, message: str) -> None:
    """Give a LiteLLM exception another message, in place: what a route that renders the exception itself (LiteLLM's
    authentication step, /v1/messages in 1.106.2) rather than the failure hook's answer then shows."""
    exception.message = message  # type: ignore[attr-defined]
    exception.args = (message,)


def reshape(exception: BaseException) -> tuple[int, str, dict[str, str]] | None:
    """(status, message, headers) of the error the client should get instead, or None to keep LiteLLM's."""
    if getattr(exception, "type", None) == NO_DB_TYPE:
        return 401, UNKNOWN_KEY_MESSAGE, {}
    provider = getattr(exception, "llm_provider", None)
    if provider not in BEDROCK_PROVIDERS:
        return None
    status = _status(exception)
    message = upstream_message(str(getattr(exception, "message", None) or exception))
    if status is None or message is None:
        return None
    return status, message, _headers(exception)


# -- budgets ------------------------------------------------------------------------------------------------------
# LiteLLM 1.106.2 raises BudgetExceededError from its authentication step (auth_checks.py) with texts such as
# "Budget has been exceeded! Current cost: 50.02, Max budget: 50.0" or "ExceededBudget: User=alice over budget.
# Spend=50.02, Budget=50.0": no currency, no period, no reset time. The authentication step renders whatever
# message the exception carries when the failure hooks return (auth_exception_handler._as_proxy_exception), with the
# status of litellm.budget_exceeded_status_code (config.yaml: 429) and type "budget_exceeded", in the error shape of
# the route. So the policy callback rewrites the exception's message in place (returning an HTTPException instead
# would relabel it "auth_error").

BUDGET_SCOPES = {
    "key": "key",
    "user": "personal",
    "team": "team",
    "team_member": "team member",
    "end_user": "end-user",
    "organization": "organization",
    "project": "project",
    "tag": "tag",
    "proxy": "gateway-wide",
}


def _usd(amount: float) -> str:
    return f"${amount:,.2f}" if amount >= 0.01 or amount == 0 else f"${amount:.4f}"


def _until(reset_at: datetime, now: datetime) -> str:
    seconds = max(0, int((reset_at - now).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{minutes}m"] * bool(minutes and not days)
    return " ".join(parts) or f"{seconds}s"


def as_utc(value: object) -> datetime | None:
    """A datetime (or ISO text, as cached objects hold it) in UTC, or None."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class BudgetPeriod:
    """What LiteLLM stores next to a budget: its period ("30d", "1mo") and when the spend is next set to 0."""

    duration: str | None = None
    reset_at: datetime | None = None


def budget_message(exception: BaseException, period: BudgetPeriod, now: datetime | None = None) -> str | None:
    """The text a developer understands for a BudgetExceededError, or None when `exception` is not one:

    "Budget exceeded: the team budget of $50.00 per 30d is used up ($50.02 spent). It resets at 2026-12-31 00:00
    UTC (in 3d 4h); ask the gateway's operator to raise it if you need more before then." """
    if type(exception).__name__ != "BudgetExceededError":
        return None
    now = now or datetime.now(UTC)
    max_budget = float(getattr(exception, "max_budget", 0) or 0)
    spent = float(getattr(exception, "current_cost", 0) or 0)
    entity = str(getattr(exception, "entity_type", "") or "")
    scope = BUDGET_SCOPES.get(entity, "")
    entity_id = getattr(exception, "entity_id", None)
    whose = f"the {scope} budget" if scope else "the budget"
    if entity in {"team", "organization", "project", "tag"} and entity_id:
        whose += f" of {entity} '{entity_id}'"
    per = f" per {period.duration}" if period.duration else ""
    text = f"Budget exceeded: {whose} ({_usd(max_budget)}{per}) is used up ({_usd(spent)} spent)."
    if period.reset_at is not None:
        reset = period.reset_at.astimezone(UTC)
        text += (
            f" It resets at {reset:%Y-%m-%d %H:%M} UTC (in {_until(reset, now)}); ask the gateway's operator to raise "
            "it if you need more before then."
        )
    else:
        text += " It does not reset by itself (no budget duration): ask the gateway's operator to raise it."
    return text
