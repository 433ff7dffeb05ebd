"""The three ways gateway_login proves who runs it, and the broker call that turns a proof into a key.

- ``aws``: the caller's AWS credentials (boto3's usual chain: env, profile, SSO, instance role) sign a
  GetCallerIdentity request for the broker (llmgw.broker.aws_proof.make_proof); the secret key never leaves.
- ``sso``: the OAuth 2.0 device authorization grant (RFC 8628) against the company IdP: the person opens the URL,
  enters the code, and the IdP's token endpoint answers an ID token (and a refresh token, which later refreshes
  run without a browser).
- ``github``: GitHub Actions' OIDC token (``permissions: id-token: write``), requested from
  ``ACTIONS_ID_TOKEN_REQUEST_URL`` with the audience the broker expects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPE = "openid email profile groups offline_access"


class LoginError(Exception):
    """A failure the user can act on; ``status`` is the broker's HTTP status when it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise LoginError(f"{what} answered {response.status_code} with non-JSON content") from None
    if not isinstance(data, dict):
        raise LoginError(f"{what} answered {response.status_code} with unexpected JSON")
    return data


def broker_config(broker_url: str, timeout: float) -> dict[str, Any]:
    url = broker_url.rstrip("/") + "/broker/v1/config"
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        raise LoginError(f"cannot reach the key broker at {url}: {exc}") from None
    if response.status_code != 200:
        raise LoginError(f"the key broker at {url} answered {response.status_code}")
    return _json(response, "the key broker")


def request_key(broker_url: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    url = broker_url.rstrip("/") + "/broker/v1/keys"
    try:
        response = httpx.post(url, json=body, timeout=timeout, headers={"User-Agent": "llmgw-gateway-login/1"})
    except httpx.HTTPError as exc:
        raise LoginError(f"cannot reach the key broker at {url}: {exc}") from None
    data = _json(response, "the key broker")
    if response.status_code != 200:
        error = data.get("error") or {}
        message = error.get("message") if isinstance(error, dict) else None
        raise LoginError(f"the key broker refused ({response.status_code}): {message or data}", response.status_code)
    if not isinstance(data.get("key"), str):
        raise LoginError("the key broker answered without a key")
    return data


# -- aws -----------------------------------------------------------------------------------------------------


def aws_proof(config: dict[str, Any], aws_profile: str | None) -> dict[str, Any]:
    import boto3
    import botocore.exceptions

    from llmgw.broker.aws_proof import make_proof

    aws = config.get("aws")
    if not aws:
        raise LoginError("this key broker accepts no AWS credentials (use --method sso)")
    try:
        credentials = boto3.Session(profile_name=aws_profile).get_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        raise LoginError(f"AWS credentials: {exc}") from None
    if credentials is None:
        raise LoginError("no AWS credentials found (aws sso login, AWS_PROFILE, or --aws-profile)")
    try:
        return make_proof(credentials, server_id=aws["server_id"], sts_url=aws["sts_url"], region=aws["region"])
    except botocore.exceptions.BotoCoreError as exc:  # e.g. an expired SSO session
        raise LoginError(f"AWS credentials: {exc}") from None


# -- sso (device flow) ---------------------------------------------------------------------------------------


def oidc_provider(config: dict[str, Any], kind: str, name: str | None) -> dict[str, Any]:
    providers = [p for p in config.get("oidc") or [] if p.get("kind") == kind and (name is None or p["name"] == name)]
    if not providers:
        raise LoginError(f"the key broker trusts no {kind} identity provider" + (f" named {name!r}" if name else ""))
    if len(providers) > 1:
        raise LoginError(f"the key broker trusts several: {[p['name'] for p in providers]}; pick one with --provider")
    return providers[0]


def _discovery(issuer: str, timeout: float) -> dict[str, Any]:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        raise LoginError(f"cannot reach the identity provider at {url}: {exc}") from None
    if response.status_code != 200:
        raise LoginError(f"the identity provider's discovery document ({url}) answered {response.status_code}")
    return _json(response, "the identity provider")


def device_login(
    provider: dict[str, Any], timeout: float, tell: Callable[[str], None], *, max_wait: float = 600.0
) -> dict[str, Any]:
    """Run the device flow; returns the IdP's token response (id_token, refresh_token)."""
    document = _discovery(provider["issuer"], timeout)
    endpoint = document.get("device_authorization_endpoint")
    if not endpoint:
        raise LoginError(f"the identity provider {provider['issuer']} offers no device flow")
    response = httpx.post(endpoint, data={"client_id": provider["client_id"], "scope": SCOPE}, timeout=timeout)
    start = _json(response, "the device authorization endpoint")
    if response.status_code != 200:
        raise LoginError(f"the identity provider refused the device login: {start.get('error')}")
    tell(
        f"To sign in, open {start.get('verification_uri_complete') or start['verification_uri']} "
        f"and confirm the code {start['user_code']}"
    )
    interval = float(start.get("interval", 5))
    deadline = time.monotonic() + min(float(start.get("expires_in", 600)), max_wait)
    while time.monotonic() < deadline:
        time.sleep(interval)
        response = httpx.post(
            document["token_endpoint"],
            data={"grant_type": DEVICE_GRANT, "device_code": start["device_code"], "client_id": provider["client_id"]},
            timeout=timeout,
        )
        tokens = _json(response, "the token endpoint")
        if response.status_code == 200:
            return _require_id_token(tokens)
        error = tokens.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        if error == "access_denied":
            raise LoginError("the sign-in was denied")
        if error == "expired_token":
            break
        raise LoginError(f"the identity provider's token endpoint answered {response.status_code}: {error}")
    raise LoginError("the sign-in code expired before it was confirmed: run the login again")


def refresh_id_token(provider: dict[str, Any], refresh_token: str, timeout: float) -> dict[str, Any]:
    document = _discovery(provider["issuer"], timeout)
    response = httpx.post(
        document["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": provider["client_id"]},
        timeout=timeout,
    )
    tokens = _json(response, "the token endpoint")
    if response.status_code != 200:
        raise LoginError(f"the SSO session ended ({tokens.get('error')}): run gateway_login.py login")
    return _require_id_token(tokens)


def _require_id_token(tokens: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(tokens.get("id_token"), str):
        raise LoginError("the identity provider returned no ID token (is the 'openid' scope allowed for the client?)")
    return tokens


# -- github actions ------------------------------------------------------------------------------------------


def github_token(provider: dict[str, Any], env: dict[str, str], timeout: float) -> str:
    url, token = env.get("ACTIONS_ID_TOKEN_REQUEST_URL"), env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    if not url or not token:
        raise LoginError(
            "ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are not set: run in GitHub Actions with `permissions: id-token: write`"
        )
    try:
        response = httpx.get(
            url,
            params={"audience": provider["audience"]},
            headers={"Authorization": f"bearer {token}"},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise LoginError(f"cannot reach GitHub's OIDC token service: {exc}") from None
    data = _json(response, "GitHub's OIDC token service")
    if response.status_code != 200 or not isinstance(data.get("value"), str):
        raise LoginError(f"GitHub's OIDC token service answered {response.status_code}: {data.get('message', data)}")
    return data["value"]
