"""Keys through LiteLLM's admin API, with the broker's own credential (never the master key).

One LiteLLM user per principal carries the budget and the rate limits (so a new key never resets a budget); one
key per principal and purpose (``broker.<method>.<principal>.<purpose>``) carries the models, the team and the
lifetime. A login rotates the key of that alias (llmgw.admin.users.provision: the old key is parked, the new one
generated, the old one deleted; if generating fails the old key is restored, so nothing is half-created). A second
login of the same principal and purpose within the policy's ``reissue_window`` gets the key just issued again, so
retries and concurrent logins from one device do not invalidate each other.

Revocation: a principal that no rule admits any more loses its broker keys at its next login, and ``sweep``
re-evaluates every broker key against the current policy (on start, on a policy change, periodically) and deletes
those whose principal is no longer admitted by the same rule with the same settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from llmgw.admin.client import AdminClient, GatewayError, NotFound
from llmgw.admin.users import UserSpec, find_key, provision
from llmgw.broker.errors import BrokerError, Unavailable
from llmgw.broker.models import GatewayModels
from llmgw.broker.policy import Policy, Principal, Rule, seconds

log = logging.getLogger(__name__)

CREATED_BY = "llmgw-key-broker"
PURPOSE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_ALIAS_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]+")
MAX_ALIAS = 200


def key_alias(principal: Principal, purpose: str) -> str:
    """broker.aws.111122223333.Developer.alice@example.com.laptop: names the principal, fits LiteLLM's alias
    pattern (letters, digits, @._-; starts and ends with a letter or digit)."""
    name = ".".join(
        part for part in (_ALIAS_UNSAFE.sub("_", p).strip("._-") for p in principal.name.split("/")) if part
    )
    alias = f"broker.{principal.method}.{name}"[: MAX_ALIAS - len(purpose) - 1].rstrip("._-")
    return f"{alias}.{purpose}"


def settings_fingerprint(policy: Policy, rule: Rule) -> str:
    """What a key issued under this rule carries; a policy edit that changes it revokes the rule's keys."""
    wanted = rule.model_dump(exclude={"aws", "oidc", "github"}, mode="json")
    wanted["key_ttl"] = policy.key_ttl(rule)
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Issued:
    key: str
    key_alias: str
    expires: str | None
    user_id: str
    team: str
    models: list[str]
    rule: str
    reused: bool


class KeyIssuer:
    def __init__(self, client: AdminClient, models: GatewayModels) -> None:
        self.client = client
        self.models = models
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._recent: dict[str, tuple[float, str, Issued]] = {}  # alias -> (issued at, fingerprint, issued)

    def _lock(self, alias: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(alias, threading.Lock())

    def issue(self, policy: Policy, principal: Principal, rule: Rule, purpose: str) -> Issued:
        alias = key_alias(principal, purpose)
        fingerprint = settings_fingerprint(policy, rule)
        with self._lock(alias):
            recent = self._recent.get(alias)
            window = seconds(policy.defaults.reissue_window)
            if recent and recent[1] == fingerprint and time.monotonic() - recent[0] < window and self._live(recent[2]):
                return Issued(**{**recent[2].__dict__, "reused": True})
            issued = self._provision(policy, principal, rule, alias, fingerprint)
            self._recent[alias] = (time.monotonic(), fingerprint, issued)
            return issued

    def _live(self, issued: Issued) -> bool:
        """The key handed out a moment ago still exists (an admin or another broker task may have deleted it)."""
        try:
            row = find_key(self.client, issued.key_alias)
        except GatewayError:
            return False
        return row is not None and row.get("token") == hashlib.sha256(issued.key.encode()).hexdigest()

    def _provision(self, policy: Policy, principal: Principal, rule: Rule, alias: str, fingerprint: str) -> Issued:
        models = self.models.expand(rule.models)
        spec = UserSpec(
            user_id=principal.id,
            alias=principal.name,
            role="internal_user",
            team_id=rule.team,
            max_budget=rule.budget.max_usd if rule.budget else None,
            budget_duration=rule.budget.duration if rule.budget else None,
            models=models,
            rpm=rule.rpm,
            tpm=rule.tpm,
            key_alias=alias,
            key_expires=policy.key_ttl(rule),
        )
        metadata = {
            "created_by": CREATED_BY,
            "broker": {
                "method": principal.method,
                "provider": principal.provider,
                "principal": principal.id,
                "name": principal.name,
                "attributes": dict(principal.attributes),
                "rule": rule.name,
                "settings": fingerprint,
            },
        }
        try:
            self._ensure_team(rule.team)
            outcome = provision(self.client, spec, rotate_key=True, metadata=metadata)
        except GatewayError as exc:
            raise _gateway_failure(exc, rule.name) from None
        if not outcome.api_key:
            raise Unavailable(f"the gateway issued no key for {alias}", reason="gateway_unavailable", rule=rule.name)
        for problem in outcome.errors:
            log.error("key broker: %s", problem)
        return Issued(
            outcome.api_key,
            alias,
            outcome.key_expires,
            principal.id,
            rule.team,
            list(rule.models),
            rule.name,
            reused=False,
        )

    def _ensure_team(self, team: str) -> None:
        try:
            self.client.get("/team/info", team_id=team)
        except NotFound:
            self.client.post("/team/new", {"team_id": team, "team_alias": team, "metadata": {"created_by": CREATED_BY}})

    # -- revocation --------------------------------------------------------------------------------------------
    def broker_keys(self, **query: Any) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            listing = self.client.get("/key/list", return_full_object=True, page=page, size=100, **query) or {}
            for key in listing.get("keys", []):
                if isinstance(key, dict) and (key.get("metadata") or {}).get("created_by") == CREATED_BY:
                    yield key
            if page >= int(listing.get("total_pages") or 1):
                return
            page += 1

    def revoke_principal(self, principal: Principal) -> list[str]:
        """Delete every broker key of a principal (no rule admits it any more)."""
        try:
            keys = list(self.broker_keys(user_id=principal.id))
            return self._delete(keys)
        except GatewayError as exc:
            log.error("key broker: could not revoke the keys of %s: %s", principal.id, exc)
            return []

    def sweep(self, policy: Policy) -> list[str]:
        """Delete broker keys whose principal the current policy no longer admits with the same rule and settings."""
        stale = []
        for key in self.broker_keys():
            meta = key["metadata"].get("broker") or {}
            principal = Principal(
                method=meta.get("method", ""),
                provider=meta.get("provider", ""),
                id=meta.get("principal", ""),
                name=meta.get("name", ""),
                attributes=meta.get("attributes") or {},
            )
            rule = policy.match(principal)
            if (
                rule is None
                or rule.name != meta.get("rule")
                or settings_fingerprint(policy, rule) != meta.get("settings")
            ):
                stale.append(key)
        revoked = self._delete(stale)
        with self._locks_lock:
            for alias in revoked:
                self._recent.pop(alias, None)
        return revoked

    def _delete(self, keys: list[dict[str, Any]]) -> list[str]:
        if not keys:
            return []
        self.client.post("/key/delete", {"keys": [k["token"] for k in keys]})
        aliases = [k.get("key_alias") or k["token"][:12] for k in keys]
        for alias in aliases:
            self._recent.pop(alias, None)
        return aliases


def _gateway_failure(exc: GatewayError, rule: str) -> BrokerError:
    return Unavailable(f"the gateway's admin API refused or failed: {exc}", reason="gateway_unavailable", rule=rule)
