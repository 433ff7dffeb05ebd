"""OIDC ID tokens (people through the company IdP's device flow, CI through GitHub Actions), verified with PyJWT.

For each configured provider the broker reads the issuer's discovery document
(``<issuer>/.well-known/openid-configuration``, OpenID Connect Discovery 1.0 section 4), checks that it names the
same issuer, and verifies tokens against the keys of its ``jwks_uri`` (PyJWT's PyJWKClient: cached, fetched again
when a token names a key id it does not know, so the IdP can rotate keys). Checked: signature with an allowed
asymmetric algorithm, ``iss``, ``aud``, ``exp``, ``iat`` and ``nbf`` (with the provider's leeway), and ``sub``.
An IdP that cannot be reached is a 503, never a 401: the caller's token may be fine.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
import jwt

from llmgw.broker.errors import BadRequest, InvalidProof, Unavailable
from llmgw.broker.policy import OidcProvider, Policy, Principal

log = logging.getLogger(__name__)

DISCOVERY_TTL_SECONDS = 3600
JWKS_TTL_SECONDS = 300
JWKS_REFETCH_COOLDOWN_SECONDS = 1.0
"""A token naming an unknown key id refetches the JWKS at most this often (PyJWT's default, 30 s, refused every
token of a freshly rotated key for half a minute; tests/identity/test_broker_oidc.py)."""
GITHUB_CLAIMS = (
    "sub",
    "repository",
    "repository_id",
    "repository_owner",
    "ref",
    "ref_type",
    "environment",
    "event_name",
    "workflow_ref",
    "job_workflow_ref",
    "run_id",
    "actor",
)


class ProviderKeys:
    """Discovery document and JWKS of one issuer."""

    def __init__(self, provider: OidcProvider, timeout: float) -> None:
        self.provider = provider
        self.timeout = timeout
        self._lock = threading.Lock()
        self._discovery: dict[str, Any] | None = None
        self._fetched = 0.0
        self._jwks: jwt.PyJWKClient | None = None

    def discovery(self) -> dict[str, Any]:
        with self._lock:
            if self._discovery is not None and time.monotonic() - self._fetched < DISCOVERY_TTL_SECONDS:
                return self._discovery
            url = self.provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                response = httpx.get(url, timeout=self.timeout, follow_redirects=False)
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise Unavailable(
                    f"the identity provider {self.provider.name} ({url}) cannot be read: {exc}",
                    reason="idp_unavailable",
                ) from None
            if not isinstance(document, dict) or document.get("issuer") != self.provider.issuer:
                raise Unavailable(
                    f"the discovery document of {self.provider.name} names issuer "
                    f"{document.get('issuer') if isinstance(document, dict) else None!r}, not {self.provider.issuer!r}",
                    reason="idp_unavailable",
                )
            if not isinstance(document.get("jwks_uri"), str):
                raise Unavailable(
                    f"the discovery document of {self.provider.name} has no jwks_uri", reason="idp_unavailable"
                )
            self._discovery, self._fetched = document, time.monotonic()
            if self._jwks is None or self._jwks.uri != document["jwks_uri"]:
                self._jwks = jwt.PyJWKClient(
                    document["jwks_uri"],
                    cache_keys=False,
                    lifespan=JWKS_TTL_SECONDS,
                    timeout=int(self.timeout),
                    cooldown_duration=JWKS_REFETCH_COOLDOWN_SECONDS,
                )
            return document

    def signing_key(self, token: str) -> jwt.PyJWK:
        self.discovery()
        assert self._jwks is not None
        try:
            return self._jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            raise Unavailable(
                f"the keys of {self.provider.name} cannot be read: {exc}", reason="idp_unavailable"
            ) from None
        except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
            raise InvalidProof(f"the ID token is not signed by a key of {self.provider.name}: {exc}") from None


class OidcVerifier:
    def __init__(self, policy: Policy, *, timeout: float = 10.0) -> None:
        self.policy = policy
        self.keys = {p.issuer: ProviderKeys(p, timeout) for p in policy.model.providers.oidc}

    def provider_for(self, token: str) -> OidcProvider:
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.DecodeError:
            raise InvalidProof("the ID token is not a JWT") from None
        issuer = unverified.get("iss")
        keys = self.keys.get(issuer) if isinstance(issuer, str) else None
        if keys is None:
            raise InvalidProof(f"the ID token's issuer {issuer!r} is not trusted by this broker")
        return keys.provider

    def verify(self, token: str) -> Principal:
        if not isinstance(token, str) or token.count(".") != 2:
            raise BadRequest("id_token must be a JWT (three dot-separated parts)")
        provider = self.provider_for(token)
        keys = self.keys[provider.issuer]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise InvalidProof("the ID token's header cannot be read") from None
        if header.get("alg") not in provider.algorithms:
            raise InvalidProof(
                f"the ID token is signed with {header.get('alg')!r}; {provider.name} tokens must use "
                f"{', '.join(provider.algorithms)}"
            )
        key = keys.signing_key(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=list(provider.algorithms),
                audience=provider.audience,
                issuer=provider.issuer,
                leeway=provider.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidProof(
                "the ID token has expired: get a new one (log in again)", reason="expired_proof"
            ) from None
        except jwt.InvalidAudienceError:
            raise InvalidProof(
                f"the ID token is not for this broker: its audience must be {provider.audience!r}",
                reason="wrong_audience",
            ) from None
        except jwt.InvalidTokenError as exc:
            raise InvalidProof(f"the ID token is not valid: {exc}") from None
        return principal(provider, claims, self.policy)


def _claim_names(policy: Policy, provider: OidcProvider) -> Iterable[str]:
    yield from ("sub", "iss", provider.name_claim, provider.groups_claim)
    for rule in policy.rules:
        if rule.oidc is not None and rule.oidc.provider == provider.name:
            yield from rule.oidc.claims


def principal(provider: OidcProvider, claims: Mapping[str, Any], policy: Policy) -> Principal:
    """The principal of verified claims; only the claims rules can look at are kept (they go into key metadata)."""
    if provider.kind == "github":
        kept = {k: claims[k] for k in GITHUB_CLAIMS if k in claims}
        repository = claims.get("repository")
        if not isinstance(repository, str) or "/" not in repository:
            raise InvalidProof("the GitHub Actions token has no repository claim")
        return Principal(
            method="github",
            provider=provider.name,
            id=f"{provider.name}:{repository}",
            name=repository,
            attributes={"claims": kept},
        )
    kept = {k: claims[k] for k in dict.fromkeys(_claim_names(policy, provider)) if k in claims}
    name = claims.get(provider.name_claim)
    return Principal(
        method="oidc",
        provider=provider.name,
        id=f"{provider.name}:{claims['sub']}",
        name=name if isinstance(name, str) and name else str(claims["sub"]),
        attributes={"claims": kept},
    )
