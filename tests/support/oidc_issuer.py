"""A real OIDC issuer for tests, on maintained JOSE libraries (PyJWT + cryptography), served over HTTP on loopback.

It serves what a company IdP and GitHub Actions serve and the broker and gateway_login read:
- the discovery document (``/.well-known/openid-configuration``, OpenID Connect Discovery 1.0) and the JWKS,
  with keys that rotate (``rotate()``: a new signing key, the old one still published until ``retire()``);
- the device authorization grant (RFC 8628): ``/device_authorization``, then ``/token`` answers
  ``authorization_pending`` until the person approves the user code (``approve(user_code, user)``, the step a
  person does in the browser), then an ID token (RS256) and a refresh token; ``refresh_token`` grants;
- GitHub Actions' ID-token request (``GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=...`` with
  ``Authorization: bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>``, answering ``{"value": <jwt>}``) with GitHub's claims.
``mint()`` signs any claims (expired, other audience...) with the current key; ``down = True`` answers 503.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, Any]:
        data = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256"}


def new_key() -> SigningKey:
    return SigningKey(secrets.token_hex(8), rsa.generate_private_key(public_exponent=65537, key_size=2048))


@dataclass
class DeviceGrant:
    client_id: str
    user_code: str
    expires: float
    user: str | None = None
    denied: bool = False
    last_poll: float = 0.0


@dataclass
class Issuer:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    """user name -> claims of that person (sub, email, groups...)."""
    clients: set[str] = field(default_factory=lambda: {"gateway-cli"})
    id_token_ttl: int = 3600
    interval: int = 1
    keys: list[SigningKey] = field(default_factory=lambda: [new_key()])
    github_request_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    github_claims: dict[str, Any] = field(default_factory=dict)
    down: bool = False
    grants: dict[str, DeviceGrant] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (client_id, user)
    requests: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def github_request_url(self) -> str:
        return f"{self.url}/actions-token?api-version=2.0"

    # -- test helpers -----------------------------------------------------------------------------------------
    def rotate(self) -> SigningKey:
        key = new_key()
        self.keys.append(key)
        return key

    def retire(self) -> None:
        """Stop publishing every key but the current one."""
        self.keys[:] = self.keys[-1:]

    def mint(self, claims: dict[str, Any], *, key: SigningKey | None = None, ttl: int | None = None) -> str:
        now = int(time.time())
        body = {"iss": self.url, "iat": now, "exp": now + (ttl if ttl is not None else self.id_token_ttl), **claims}
        signer = key or self.keys[-1]
        return jwt.encode(body, signer.private, algorithm="RS256", headers={"kid": signer.kid})

    def id_token(self, user: str, client_id: str) -> str:
        return self.mint({"aud": client_id, "jti": secrets.token_hex(8), **self.users[user]})

    def approve(self, user_code: str, user: str) -> None:
        grant = next(g for g in self.grants.values() if g.user_code == user_code)
        grant.user = user

    def deny(self, user_code: str) -> None:
        next(g for g in self.grants.values() if g.user_code == user_code).denied = True

    # -- protocol ---------------------------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "jwks_uri": f"{self.url}/jwks",
            "token_endpoint": f"{self.url}/token",
            "device_authorization_endpoint": f"{self.url}/device_authorization",
            "authorization_endpoint": f"{self.url}/authorize",
            "response_types_supported": ["code", "id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "grant_types_supported": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
            "scopes_supported": ["openid", "email", "groups", "offline_access"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "email", "groups"],
        }

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        self.requests.append(f"{method} {path}")
        if self.down:
            return 503, {"error": "temporarily_unavailable"}
        parsed = urllib.parse.urlsplit(path)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()} if body else {}
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        with self.lock:
            if method == "GET" and parsed.path == "/.well-known/openid-configuration":
                return 200, self.discovery()
            if method == "GET" and parsed.path == "/jwks":
                return 200, {"keys": [k.jwk() for k in self.keys]}
            if method == "POST" and parsed.path == "/device_authorization":
                return self._device_authorization(form)
            if method == "POST" and parsed.path == "/token":
                return self._token(form)
            if method == "GET" and parsed.path == "/actions-token":
                return self._actions_token(headers, query)
        return 404, {"error": "not_found"}

    def _device_authorization(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") not in self.clients:
            return 401, {"error": "invalid_client"}
        device_code = secrets.token_urlsafe(24)
        user_code = f"{secrets.token_hex(2).upper()}-{secrets.token_hex(2).upper()}"
        self.grants[device_code] = DeviceGrant(form["client_id"], user_code, time.time() + 600)
        return 200, {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": f"{self.url}/device",
            "verification_uri_complete": f"{self.url}/device?user_code={user_code}",
            "expires_in": 600,
            "interval": self.interval,
        }

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant_type = form.get("grant_type")
        if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
            grant = self.grants.get(form.get("device_code", ""))
            if grant is None or grant.client_id != form.get("client_id"):
                return 400, {"error": "invalid_grant"}
            if time.time() > grant.expires:
                return 400, {"error": "expired_token"}
            if grant.denied:
                return 400, {"error": "access_denied"}
            if grant.user is None:
                return 400, {"error": "authorization_pending"}
            del self.grants[form["device_code"]]
            return 200, self._tokens(grant.client_id, grant.user)
        if grant_type == "refresh_token":
            known = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if known is None or known[0] != form.get("client_id"):
                return 400, {"error": "invalid_grant"}
            return 200, self._tokens(*known)
        return 400, {"error": "unsupported_grant_type"}

    def _tokens(self, client_id: str, user: str) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = (client_id, user)
        return {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": self.id_token_ttl,
            "id_token": self.id_token(user, client_id),
            "refresh_token": refresh,
        }

    def _actions_token(self, headers: dict[str, str], query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if headers.get("authorization", "").lower() != f"bearer {self.github_request_token}".lower():
            return 401, {"message": "Bad credentials"}
        claims = {
            **self.github_claims,
            "aud": query.get("audience") or "https://github.com/org",
            "jti": secrets.token_hex(8),
        }
        return 200, {"count": 1, "value": self.mint(claims, ttl=300)}


class _Handler(BaseHTTPRequestHandler):
    issuer: Issuer
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload = self.issuer.handle(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


def github_claims(repository: str, ref: str = "refs/heads/main", **extra: Any) -> dict[str, Any]:
    """The claims of a GitHub Actions ID token (docs.github.com, "About security hardening with OpenID Connect")."""
    owner = repository.split("/")[0]
    return {
        "sub": f"repo:{repository}:ref:{ref}",
        "repository": repository,
        "repository_id": "123456789",
        "repository_owner": owner,
        "ref": ref,
        "ref_type": "branch",
        "event_name": "push",
        "workflow_ref": f"{repository}/.github/workflows/ci.yml@{ref}",
        "run_id": "4242",
        "actor": "octocat",
        **extra,
    }


@contextlib.contextmanager
def serve(issuer: Issuer) -> Iterator[Issuer]:
    handler = type("Handler", (_Handler,), {"issuer": issuer})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    issuer.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
