"""Where LiteLLM keeps the period of the budget a request exceeded: the key's on the caller's identity, a team's
or a user's in the proxy's key cache (filled by the same authentication step that raised the error)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from .errors import BudgetPeriod, as_utc

# (cache key, expected model) -> cached object or None; the proxy's is UserApiKeyCache.async_get_cache.
CacheGet = Callable[[str], Awaitable[object]]


def _period_of(obj: object) -> BudgetPeriod:
    if obj is None:
        return BudgetPeriod()
    if isinstance(obj, Mapping):
        duration, reset_at = obj.get("budget_duration"), obj.get("budget_reset_at")
    else:
        duration, reset_at = getattr(obj, "budget_duration", None), getattr(obj, "budget_reset_at", None)
    return BudgetPeriod(duration if isinstance(duration, str) and duration else None, as_utc(reset_at))


async def _proxy_cache_get(key: str) -> object:
    from litellm.proxy.proxy_server import user_api_key_cache

    return await user_api_key_cache.async_get_cache(key=key)


async def budget_period(exception: BaseException, identity: object, cache_get: CacheGet | None = None) -> BudgetPeriod:
    """The period of the budget `exception` (a BudgetExceededError) reports: LiteLLM's cache keys are
    ``team_id:<id>`` for teams (auth_checks.get_team_object) and the user id for users (get_user_object)."""
    entity = getattr(exception, "entity_type", None)
    entity_id = getattr(exception, "entity_id", None)
    if entity == "key" or (entity is None and getattr(identity, "max_budget", None) is not None):
        return _period_of(identity)
    get = cache_get or _proxy_cache_get
    if entity == "team":
        team_id = entity_id or getattr(identity, "team_id", None)
        return _period_of(await get(f"team_id:{team_id}")) if team_id else BudgetPeriod()
    if entity == "user":
        user_id = entity_id or getattr(identity, "user_id", None)
        return _period_of(await get(str(user_id))) if user_id else BudgetPeriod()
    return BudgetPeriod()
