"""The broker itself, without HTTP: one login = verify the proof, find the rule, issue the key, audit, count.

The policy is re-read when its file changes (checked by ``refresh``, which the app runs periodically with a sweep);
an invalid new policy is refused (logged, counted) and the last valid one stays in force.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmgw.broker import policy as policy_file
from llmgw.broker.audit import AuditLog
from llmgw.broker.aws_proof import SERVER_ID_HEADER, AwsProofVerifier, ReplayCache
from llmgw.broker.errors import BadRequest, BrokerError, InvalidProof, NotAdmitted
from llmgw.broker.issuer import PURPOSE, Issued, KeyIssuer
from llmgw.broker.metrics import BrokerMetrics
from llmgw.broker.oidc import OidcVerifier
from llmgw.broker.policy import Policy, Principal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginRequest:
    purpose: str = "default"
    aws: Mapping[str, Any] | None = None
    id_token: str | None = None

    @property
    def method_hint(self) -> str:
        return "aws" if self.aws is not None else "oidc" if self.id_token is not None else ""


class Broker:
    def __init__(
        self,
        policy_path: Path,
        issuer: KeyIssuer,
        *,
        audit: AuditLog | None = None,
        metrics: BrokerMetrics | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.policy_path = policy_path
        self.issuer = issuer
        self.audit = audit or AuditLog()
        self.metrics = metrics or BrokerMetrics()
        self.timeout = timeout
        self._replays = ReplayCache()
        self._lock = threading.Lock()
        self._mtime = 0.0
        self._install(policy_file.load(policy_path, known_models=issuer.models.names()))

    # -- policy ------------------------------------------------------------------------------------------------
    def _install(self, policy: Policy) -> None:
        self.policy = policy
        self.aws = AwsProofVerifier(policy.aws, timeout=self.timeout, replays=self._replays) if policy.aws else None
        self.oidc = OidcVerifier(policy, timeout=self.timeout)
        self.metrics.policy_rules.set(len(policy.rules))
        for rule in policy.rules:  # every series exists from the start (rate() and absent() need it)
            self.metrics.issued.labels(rule.method, rule.name, "false")
        self._mtime = _mtime(self.policy_path)

    def refresh(self) -> bool:
        """Load the policy again if its file changed; True when a new policy is in force."""
        mtime = _mtime(self.policy_path)
        if mtime == self._mtime:
            return False
        with self._lock:
            try:
                policy = policy_file.load(self.policy_path, known_models=self.issuer.models.names())
            except policy_file.PolicyError as exc:
                self._mtime = mtime
                self.metrics.policy_errors.inc()
                log.error("key broker: the changed policy is refused, the previous one stays in force: %s", exc)
                return False
            self._install(policy)
        self.audit.record("policy_loaded", source=str(self.policy_path), rules=[r.name for r in policy.rules])
        return True

    def sweep(self, trigger: str) -> list[str]:
        revoked = self.issuer.sweep(self.policy)
        if revoked:
            self.metrics.revoked.labels(trigger).inc(len(revoked))
            self.audit.record("revoked", trigger=trigger, key_aliases=revoked, policy=str(self.policy_path))
        return revoked

    def client_config(self) -> dict[str, Any]:
        """What gateway_login needs to make a proof for this broker (public)."""
        aws = self.policy.aws
        return {
            "aws": {
                "server_id": aws.server_id,
                "region": aws.region,
                "sts_url": aws.sts_url,
                "server_id_header": SERVER_ID_HEADER,
            }
            if aws
            else None,
            "oidc": [
                {"name": p.name, "kind": p.kind, "issuer": p.issuer, "audience": p.audience, "client_id": p.client_id}
                for p in self.policy.model.providers.oidc
            ],
        }

    # -- login -------------------------------------------------------------------------------------------------
    def login(self, request: LoginRequest, *, client: Mapping[str, str] | None = None) -> Issued:
        policy = self.policy
        method = request.method_hint
        principal: Principal | None = None
        try:
            principal = self._verify(request)
            method = principal.method
            rule = policy.match(principal)
            if rule is None:
                revoked = self.issuer.revoke_principal(principal)
                if revoked:
                    self.metrics.revoked.labels("login").inc(len(revoked))
                raise NotAdmitted(
                    f"{principal.id} is not admitted by any rule of the gateway's key policy"
                    + (f" (its keys {', '.join(revoked)} were revoked)" if revoked else "")
                    + ": ask the platform team to add a rule"
                )
            issued = self.issuer.issue(policy, principal, rule, request.purpose)
        except BrokerError as exc:
            self.metrics.refused.labels(method, exc.reason, exc.rule).inc()
            self.audit.record(
                "refused",
                status=exc.status,
                reason=exc.reason,
                message=exc.message,
                method=method,
                principal=_who(principal),
                proof=_proof(request, principal),
                rule=exc.rule or None,
                purpose=request.purpose,
                client=dict(client or {}),
            )
            raise
        self.metrics.issued.labels(method, issued.rule, str(issued.reused).lower()).inc()
        self.audit.record(
            "issued",
            status=200,
            method=method,
            principal=_who(principal),
            proof=_proof(request, principal),
            rule=issued.rule,
            purpose=request.purpose,
            key_alias=issued.key_alias,
            expires=issued.expires,
            team=issued.team,
            models=issued.models,
            reused=issued.reused,
            client=dict(client or {}),
        )
        return issued

    def _verify(self, request: LoginRequest) -> Principal:
        if (request.aws is None) == (request.id_token is None):
            raise BadRequest("send exactly one proof: 'aws' (a signed GetCallerIdentity) or 'id_token' (OIDC)")
        if not PURPOSE.match(request.purpose):
            raise BadRequest("purpose must be 1-40 lower-case letters, digits and ._- (e.g. laptop, ci-deploy)")
        if request.aws is not None:
            if self.aws is None:
                raise InvalidProof("this broker accepts no AWS proofs (no providers.aws in its policy)")
            return self.aws.verify(request.aws)
        assert request.id_token is not None
        return self.oidc.verify(request.id_token)


def _who(principal: Principal | None) -> dict[str, Any] | None:
    if principal is None:
        return None
    return {"id": principal.id, "name": principal.name, "provider": principal.provider}


def _proof(request: LoginRequest, principal: Principal | None) -> dict[str, Any]:
    """Which proof, without anything that could be replayed (no signature, no token)."""
    if request.aws is not None:
        headers = {str(k).lower(): v for k, v in (request.aws.get("headers") or {}).items()}
        credential = str(headers.get("authorization", "")).partition("Credential=")[2].split("/")[0]
        return {
            "kind": "aws-sts-get-caller-identity",
            "access_key_id": credential or None,
            "signed_at": headers.get("x-amz-date"),
        }
    if request.id_token is not None:
        import jwt

        try:
            claims = jwt.decode(request.id_token, options={"verify_signature": False})
            header = jwt.get_unverified_header(request.id_token)
        except jwt.PyJWTError:
            return {"kind": "oidc-id-token", "readable": False}
        return {
            "kind": "oidc-id-token",
            "iss": claims.get("iss"),
            "aud": claims.get("aud"),
            "kid": header.get("kid"),
            "exp": claims.get("exp"),
            "jti": claims.get("jti"),
        }
    return {"kind": None}


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime_ns / 1e9
    except OSError:
        return 0.0
