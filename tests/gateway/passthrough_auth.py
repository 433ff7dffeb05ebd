"""Test-only LiteLLM ``custom_auth`` for the Bedrock pass-through's error tests: a key with an rpm limit (as
create_user.py --rpm sets it) and a key whose budget is spent (LiteLLM's own BudgetExceededError, as its database
lookup raises it). The rate limiter and the proxy are the real ones; only the key lookup is replaced, because this
machine has no Prisma engine for the real database (tests/compose runs the database path)."""

from __future__ import annotations

import os
from typing import Any

RPM_LIMIT = 2
LIMITED_KEY = "sk-passthrough-rpm-0123456789abcdefghijklmnopq"
BROKE_KEY = "sk-passthrough-broke-0123456789abcdefghijklmno"


async def user_api_key_auth(request: Any, api_key: str) -> Any:
    from litellm.exceptions import BudgetExceededError
    from litellm.proxy._types import LitellmUserRoles, UserAPIKeyAuth

    if api_key == os.environ["LITELLM_MASTER_KEY"]:
        return UserAPIKeyAuth(api_key=api_key, user_role=LitellmUserRoles.PROXY_ADMIN, user_id="default_user_id")
    if api_key == BROKE_KEY:
        raise BudgetExceededError(current_cost=5.2, max_budget=5.0, message="Budget has been exceeded: dave")
    if api_key == LIMITED_KEY:
        return UserAPIKeyAuth(
            api_key=api_key,
            token=api_key[-12:],
            user_role=LitellmUserRoles.INTERNAL_USER,
            user_id="rpm-user",
            key_alias="rpm-user-batch",
            rpm_limit=RPM_LIMIT,
        )
    raise ValueError("invalid key")
