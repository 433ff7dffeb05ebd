"""Test-only LiteLLM ``custom_auth`` for the shared-limit tests: keys with the rate limits a key of the database would
carry (``rpm_limit``, and a per-model limit in ``metadata.model_rpm_limit``, as create_user.py --rpm and LiteLLM's
key API set them). The rate limiter, Redis and the proxy are the real ones; only the key lookup is replaced, because
this machine has no Prisma engine for the real database (tests/compose runs the database path)."""

from __future__ import annotations

import os
from typing import Any

RPM_LIMIT = 10
MODEL_RPM_LIMIT = 6
RPM_KEY = "sk-limits-rpm-0123456789abcdefghijklmnopqrstuv"
MODEL_KEY = "sk-limits-model-0123456789abcdefghijklmnopqrs"
FREE_KEY = "sk-limits-free-0123456789abcdefghijklmnopqrst"

IDENTITIES: dict[str, dict[str, Any]] = {
    RPM_KEY: {"user_id": "rpm-user", "key_alias": "rpm-user-laptop", "rpm_limit": RPM_LIMIT},
    MODEL_KEY: {
        "user_id": "model-user",
        "key_alias": "model-user-ci",
        "metadata": {"model_rpm_limit": {"claude-haiku-4-5": MODEL_RPM_LIMIT}},
    },
    FREE_KEY: {"user_id": "free-user", "key_alias": "free-user-laptop"},
}


async def user_api_key_auth(request: Any, api_key: str) -> Any:
    from litellm.proxy._types import LitellmUserRoles, UserAPIKeyAuth

    if api_key == os.environ["LITELLM_MASTER_KEY"]:
        return UserAPIKeyAuth(api_key=api_key, user_role=LitellmUserRoles.PROXY_ADMIN, user_id="default_user_id")
    identity = IDENTITIES.get(api_key)
    if identity is None:
        raise ValueError("invalid key")
    return UserAPIKeyAuth(api_key=api_key, token=api_key[-12:], user_role=LitellmUserRoles.INTERNAL_USER, **identity)
