"""The companion operations of create_user.py: list users with spend, disable/enable/delete a key, budget status.

Routes: GET /user/list (paginated, page_size <= 100), GET /user/info, GET /key/list, POST /key/block,
POST /key/unblock, POST /key/delete (LiteLLM 1.106.2).
"""

from __future__ import annotations

import re
from typing import Any

from llmgw.admin.client import AdminClient, GatewayError, NotFound

PAGE_SIZE = 100
MAX_PAGES = 1000
HASH = re.compile(r"^[0-9a-f]{64}$")


def list_users(client: AdminClient, *, team: str | None = None, email: str | None = None) -> list[dict[str, Any]]:
    """Every user (all pages), most expensive first."""
    users: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        data = client.get("/user/list", page=page, page_size=PAGE_SIZE, team=team, user_email=email) or {}
        users.extend(data.get("users") or [])
        if page >= int(data.get("total_pages") or 1):
            break
    return sorted(users, key=lambda u: (-(u.get("spend") or 0.0), u.get("user_id") or ""))


def user_summary(row: dict[str, Any]) -> dict[str, Any]:
    spend = float(row.get("spend") or 0.0)
    max_budget = row.get("max_budget")
    return {
        "user_id": row.get("user_id"),
        "email": row.get("user_email"),
        "alias": row.get("user_alias"),
        "role": row.get("user_role"),
        "teams": list(row.get("teams") or []),
        "spend_usd": round(spend, 6),
        "max_budget_usd": max_budget,
        "budget_duration": row.get("budget_duration"),
        "budget_used": round(spend / max_budget, 4) if max_budget else None,
        "keys": row.get("key_count"),
    }


def find_user_id(client: AdminClient, email: str) -> str:
    """The id of the user with this email: the lower-cased email itself, else the user whose user_email it is."""
    user_id = email.lower()
    try:
        client.get("/user/info", user_id=user_id)
        return user_id
    except NotFound:
        pass
    listing = client.get("/user/list", user_email=email, page_size=PAGE_SIZE) or {}
    for row in listing.get("users") or []:
        if (row.get("user_email") or "").lower() == email.lower() and row.get("user_id"):
            return str(row["user_id"])
    raise GatewayError(f"no user with email {email!r} on this gateway", 404)


def budget_status(client: AdminClient, user_id: str) -> dict[str, Any]:
    """A user's spend against its budget, with every key's own spend and state."""
    try:
        info = client.get("/user/info", user_id=user_id) or {}
    except NotFound:
        raise GatewayError(f"no user {user_id!r} on this gateway", 404) from None
    row = dict(info.get("user_info") or {})
    row.setdefault("user_id", info.get("user_id") or user_id)
    status = user_summary(row)
    status.pop("keys", None)
    status["budget_reset_at"] = row.get("budget_reset_at")
    status["rpm_limit"] = row.get("rpm_limit")
    status["tpm_limit"] = row.get("tpm_limit")
    status["models"] = list(row.get("models") or [])
    max_budget = row.get("max_budget")
    status["remaining_usd"] = round(max_budget - status["spend_usd"], 6) if max_budget is not None else None
    status["over_budget"] = bool(max_budget is not None and status["spend_usd"] >= max_budget)
    status["keys"] = [
        {
            "key_alias": k.get("key_alias"),
            "key_name": k.get("key_name"),
            "spend_usd": round(float(k.get("spend") or 0.0), 6),
            "max_budget_usd": k.get("max_budget"),
            "expires": k.get("expires"),
            "blocked": bool(k.get("blocked")),
            "team_id": k.get("team_id"),
        }
        for k in info.get("keys") or []
        if isinstance(k, dict)
    ]
    return status


def is_key_or_hash(key: str) -> bool:
    return key.startswith("sk-") or bool(HASH.match(key))


def resolve_key(client: AdminClient, *, alias: str | None, key: str | None) -> dict[str, Any]:
    """The stored key named by --key-alias or --key (sk-... or its 64-hex hash)."""
    if alias:
        data = client.get("/key/list", key_alias=alias, return_full_object=True, size=100) or {}
        matches = [k for k in data.get("keys") or [] if isinstance(k, dict) and k.get("key_alias") == alias]
        if not matches:
            raise GatewayError(f"no key with alias {alias!r} on this gateway", 404)
        if len(matches) > 1:
            raise GatewayError(f"{len(matches)} keys have alias {alias!r}: name one with --key", 400)
        return matches[0]
    assert key is not None
    if not is_key_or_hash(key):
        raise GatewayError("--key takes the key itself (sk-...) or its 64-hex hash (token)", 400)
    token = key if HASH.match(key) else _sha256(key)
    data = client.get("/key/list", key_hash=token, return_full_object=True, size=100) or {}
    matches = [k for k in data.get("keys") or [] if isinstance(k, dict) and k.get("token") == token]
    if not matches:
        raise GatewayError("no such key on this gateway", 404)
    return matches[0]


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def key_view(key: dict[str, Any]) -> dict[str, Any]:
    return {
        "key_alias": key.get("key_alias"),
        "token": key.get("token"),
        "user_id": key.get("user_id"),
        "blocked": bool(key.get("blocked")),
        "expires": key.get("expires"),
        "spend_usd": round(float(key.get("spend") or 0.0), 6),
    }


def set_blocked(client: AdminClient, key: dict[str, Any], blocked: bool) -> dict[str, Any]:
    """Disable (/key/block) or enable (/key/unblock) a key; the key and its spend history stay."""
    client.post("/key/block" if blocked else "/key/unblock", {"key": key["token"]})
    return {**key_view(key), "blocked": blocked}


def delete_key(client: AdminClient, key: dict[str, Any]) -> dict[str, Any]:
    client.post("/key/delete", {"keys": [key["token"]]})
    return {**key_view(key), "deleted": True}
