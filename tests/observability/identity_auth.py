"""Test-only LiteLLM ``custom_auth``: known keys with a user, team, key alias, cost centre and budgets.

The local gateway has no database, so only the master key authenticates and every request is anonymous
(team "", user "default_user_id"). The observability tests need what a database gives a deployed gateway —
teams, users, key aliases, budgets, a budget rejection — to show that every dashboard panel has data for a
concrete team/user. LiteLLM's documented ``general_settings.custom_auth`` hook returns the same
``UserAPIKeyAuth`` object the database lookup would; the proxy, router, callbacks and metrics are untouched.
The module is copied next to a copy of the gateway config (LiteLLM loads it from the config's directory).
"""

from __future__ import annotations

import os
from typing import Any

ALICE_KEY = "sk-obs-alice-0123456789abcdefghijklmnopqrstuv"
BOB_KEY = "sk-obs-bob-0123456789abcdefghijklmnopqrstuvwx"
BROKE_KEY = "sk-obs-carol-0123456789abcdefghijklmnopqrstu"

IDENTITIES: dict[str, dict[str, object]] = {
    # Alice: team platform, 94 % of her user budget and 85 % of her key budget already spent.
    ALICE_KEY: {
        "user_id": "alice",
        "team_id": "platform",
        "team_alias": "Platform",
        "key_alias": "alice-laptop",
        "spend": 8.5,
        "max_budget": 10.0,
        "user_spend": 18.8,
        "user_max_budget": 20.0,
        "team_spend": 120.0,
        "team_max_budget": 500.0,
        "metadata": {"cost_center": "cc-4200"},
    },
    # Bob: team research, plenty of budget left.
    BOB_KEY: {
        "user_id": "bob",
        "team_id": "research",
        "team_alias": "Research",
        "key_alias": "bob-ci",
        "spend": 1.0,
        "max_budget": 100.0,
        "metadata": {"cost_center": "cc-7100"},
    },
}


# Keys of one cost centre each, for tests that need many admin-set principals: sk-obs-cc-<name>-<padding>
COST_CENTER_KEY_PREFIX = "sk-obs-cc-"


def cost_center_key(name: str) -> str:
    """A key whose (admin-set, as in the database) key metadata names cost centre ``name``."""
    return f"{COST_CENTER_KEY_PREFIX}{name}-0123456789abcdefghijklmnopqrstuv"


async def user_api_key_auth(request: Any, api_key: str) -> Any:
    """LiteLLM's custom_auth signature: (fastapi.Request, key) -> UserAPIKeyAuth. Imports happen here so the
    tests can import the keys above without loading LiteLLM."""
    from litellm.exceptions import BudgetExceededError
    from litellm.proxy._types import LitellmUserRoles, UserAPIKeyAuth

    if api_key == os.environ["LITELLM_MASTER_KEY"]:
        return UserAPIKeyAuth(api_key=api_key, user_role=LitellmUserRoles.PROXY_ADMIN, user_id="default_user_id")
    if api_key == BROKE_KEY:  # what LiteLLM's own budget check raises for a spent key
        raise BudgetExceededError(current_cost=5.2, max_budget=5.0, message="Budget has been exceeded: carol")
    if api_key.startswith(COST_CENTER_KEY_PREFIX):
        name = api_key.removeprefix(COST_CENTER_KEY_PREFIX).split("-0123456789", 1)[0]
        identity = {"user_id": f"user-{name}", "team_id": "cost-centres", "metadata": {"cost_center": name}}
    else:
        identity = IDENTITIES.get(api_key)
    if identity is None:
        raise ValueError("invalid key")
    return UserAPIKeyAuth(api_key=api_key, user_role=LitellmUserRoles.INTERNAL_USER, **identity)
