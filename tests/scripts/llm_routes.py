"""The LLM routes of the contract double (/v1/messages, /v1/chat/completions): budget enforcement as LiteLLM 1.106.2
does it, for the budget tests of create_user.py's users, teams and keys without a database.

What comes from LiteLLM itself: the checks (auth_checks.virtual_key_max_budget_check, team_max_budget_check and
common_checks' personal-budget check with general_settings from infra/litellm/config.yaml), the status of a refusal
(litellm.budget_exceeded_status_code, set from config.yaml's litellm_settings the way the proxy's load_config sets
every litellm_settings key), the failure-hook pass with the gateway's own callbacks (config.yaml's
litellm_settings.callbacks, the policy callback rewriting the message), and the exception the client gets
(auth_exception_handler._as_proxy_exception) rendered as the proxy's ProxyException handler renders it
({"error": ...}). The proxy's key cache holds the team and user objects as the real authentication step leaves them.
What the double decides: each answered request costs `cost_per_request` USD (added to the key's, user's and team's
spend at once, as LiteLLM's Redis spend counters do), and budgets reset when a request arrives after
budget_reset_at (LiteLLM's ResetBudgetJob does it every PROXY_BUDGET_RESCHEDULER_MIN_TIME..MAX_TIME s, 597-605 s by
default: the real reset comes up to ~10 minutes later, docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from llmgw.paths import CONFIG

LLM_PATHS = frozenset({"/v1/messages", "/v1/chat/completions", "/chat/completions"})
_settings: dict[str, Any] | None = None


def gateway_settings() -> dict[str, Any]:
    """config.yaml's litellm_settings applied to the litellm module (as the proxy does) and its general_settings."""
    global _settings
    if _settings is None:
        import litellm

        config = yaml.safe_load(CONFIG.read_text())
        for key, value in (config.get("litellm_settings") or {}).items():
            if key != "callbacks":
                setattr(litellm, key, value)
        _settings = {"general_settings": config.get("general_settings") or {},
                     "callbacks": config["litellm_settings"]["callbacks"]}  # fmt: skip
    return _settings


def _callbacks() -> list[Any]:
    import importlib

    found = []
    for name in gateway_settings()["callbacks"]:
        if "." not in name:  # LiteLLM's built-ins ("prometheus") have no failure-hook part in the refusal
            continue
        module, _, attr = name.rpartition(".")
        found.append(getattr(importlib.import_module(module), attr))
    return found


def _raw_key(headers: dict[str, str]) -> str:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else headers.get("x-api-key", "").strip()


def _reset_due(row: dict[str, Any], at: datetime) -> None:
    reset_at = row.get("budget_reset_at")
    if not row.get("budget_duration") or not reset_at:
        return
    when = datetime.fromisoformat(str(reset_at).replace("Z", "+00:00"))
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    if when <= at:
        from litellm.litellm_core_utils.duration_parser import duration_in_seconds

        row["spend"] = 0.0
        row["budget_reset_at"] = (at + timedelta(seconds=duration_in_seconds(row["budget_duration"]))).isoformat()


async def _check(double: Any, key_row: dict[str, Any], path: str, body: dict[str, Any]) -> None:
    from litellm.proxy import proxy_server
    from litellm.proxy._types import LiteLLM_TeamTable, LiteLLM_UserTable, UserAPIKeyAuth
    from litellm.proxy.auth.auth_checks import common_checks, team_max_budget_check, virtual_key_max_budget_check
    from starlette.requests import Request

    team_row = double.teams.get(key_row.get("team_id") or "")
    user_row = double.users.get(key_row.get("user_id") or "")
    team = LiteLLM_TeamTable.model_validate(team_row) if team_row else None
    user = LiteLLM_UserTable.model_validate(user_row) if user_row else None
    identity = UserAPIKeyAuth(
        **{k: v for k, v in key_row.items() if k in UserAPIKeyAuth.model_fields and v is not None},
        team_max_budget=team.max_budget if team else None,
        team_spend=team.spend if team else None,
        user_max_budget=user.max_budget if user else None,
        user_spend=user.spend if user else None,
        request_route=path,
    )
    cache = proxy_server.user_api_key_cache  # what the real auth step caches on its way (get_team/user_object)
    if team is not None:
        await cache.async_set_cache(key=f"team_id:{team.team_id}", value=team.model_dump(mode="json"))
    if user is not None:
        await cache.async_set_cache(key=user.user_id, value=user.model_dump(mode="json"))
    request = Request({"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b""})
    try:
        await virtual_key_max_budget_check(identity, proxy_server.proxy_logging_obj, user)
        await team_max_budget_check(team, identity, proxy_server.proxy_logging_obj)
        await common_checks(request_body=body, team_object=None, user_object=user, end_user_object=None,
                            global_proxy_spend=None, general_settings=gateway_settings()["general_settings"],
                            route=path, llm_router=None, proxy_logging_obj=proxy_server.proxy_logging_obj,
                            valid_token=identity, request=request)  # fmt: skip
    except Exception as exc:
        from litellm.proxy.auth.auth_exception_handler import _as_proxy_exception

        for callback in _callbacks():  # the proxy's post_call_failure_hook pass over litellm.callbacks
            await callback.async_post_call_failure_hook(request_data=body, original_exception=exc,
                                                        user_api_key_dict=identity)  # fmt: skip
        raise _as_proxy_exception(exc) from exc


def answer(double: Any, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
    """(status, body) of one LLM request with a virtual key."""
    from litellm.proxy._types import ProxyException

    gateway_settings()
    token = hashlib.sha256(_raw_key(headers).encode()).hexdigest()
    with double.lock:
        key_row = double.keys.get(token)
        if key_row is None or key_row.get("blocked"):
            return 401, {"error": {"message": "Authentication Error, invalid key", "type": "auth_error",
                                   "param": "None", "code": "401"}}  # fmt: skip
        at = datetime.now(UTC)
        rows = [key_row, double.teams.get(key_row.get("team_id") or ""), double.users.get(key_row.get("user_id") or "")]
        for row in filter(None, rows):
            _reset_due(row, at)
        try:
            asyncio.run(_check(double, key_row, path, body if isinstance(body, dict) else {}))
        except ProxyException as exc:
            return int(exc.code), {"error": exc.to_dict()}
        for row in filter(None, rows):
            row["spend"] = float(row.get("spend") or 0.0) + double.cost_per_request
    model = (body or {}).get("model", "claude-haiku-4-5") if isinstance(body, dict) else "claude-haiku-4-5"
    if path == "/v1/messages":
        return 200, {"id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant", "model": model,
                     "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
                     "usage": {"input_tokens": 5, "output_tokens": 1}}  # fmt: skip
    return 200, {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "model": model,
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
                 "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}  # fmt: skip
