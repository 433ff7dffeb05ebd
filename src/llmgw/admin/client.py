"""A small client for LiteLLM's admin API over urllib that turns every failure into one clear line.

The master key only ever travels in the Authorization header: it is masked in every message this module builds
and in the dry-run plan.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# Every way LiteLLM 1.106.2 says "no DATABASE_URL" (the wording differs per route, and so does the status code:
# 400 or 500; tests/scripts pins the bodies the real proxy answers).
NO_DB = re.compile(
    r"no connected db|db not connected|database not connected|no db connected|not connected to db", re.IGNORECASE
)
NO_DB_MESSAGE = (
    "the gateway has no database (DATABASE_URL is not set): users, keys and budgets need the Postgres-backed "
    "deployment (docker-compose or ECS), not the keyless local stack"
)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_MESSAGE = 300


class GatewayError(Exception):
    """A failed admin call, already phrased as the one line an operator sees."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFound(GatewayError):
    """404 from the gateway: callers that look something up treat it as "does not exist"."""


def _one_line(text: str) -> str:
    return " ".join(text.split())[:MAX_MESSAGE]


def _unwrap(message: Any) -> Any:
    """LiteLLM often puts a dict's repr into the message ("{'error': '...'}"): take the text out of it."""
    if isinstance(message, str) and message.startswith("{") and message.endswith("}"):
        try:
            message = ast.literal_eval(message)
        except (ValueError, SyntaxError):
            return message
    if isinstance(message, dict) and "error" in message:
        return message["error"]
    return message


def litellm_message(body: str) -> str:
    """The human part of a LiteLLM error body: {"error": {"message"}}, {"detail": {"error"}}, {"detail": [...]}."""
    stripped = body.lstrip()
    if stripped[:1] == "<":
        return "an HTML page (the request was answered before LiteLLM, e.g. by CloudFront/WAF)"
    try:
        data = json.loads(body)
    except ValueError:
        return _one_line(body)
    message: Any = data
    if isinstance(data, dict):
        if isinstance(data.get("error"), dict):
            message = data["error"].get("message", data["error"])
        elif "error" in data:
            message = data["error"]
        elif "detail" in data:
            detail = data["detail"]
            if isinstance(detail, list):  # FastAPI / pydantic validation errors (422)
                message = "; ".join(
                    f"{'.'.join(str(p) for p in d.get('loc', []) if p != 'body') or 'body'}: {d.get('msg')}"
                    for d in detail
                    if isinstance(d, dict)
                )
            else:
                message = detail
    message = _unwrap(_unwrap(message))
    text = message if isinstance(message, str) else json.dumps(message)
    return _one_line(text)


@dataclass
class PlannedRequest:
    method: str
    path: str
    body: dict[str, Any] | None

    def as_dict(self, base_url: str) -> dict[str, Any]:
        return {"method": self.method, "url": base_url + self.path, "body": self.body}


@dataclass
class AdminClient:
    """LiteLLM admin API at base_url, authenticated with the master key.

    In dry-run mode reads (GET) are sent and writes are only recorded in `planned`.
    """

    base_url: str
    master_key: str = field(repr=False)
    timeout: float = 30.0
    dry_run: bool = False
    planned: list[PlannedRequest] = field(default_factory=list)
    credential: str = "the master key"
    """How 401 messages name the credential (the key broker has its own)."""

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    def mask(self, text: str) -> str:
        return text.replace(self.master_key, "***") if self.master_key else text

    def get(self, path: str, **query: Any) -> Any:
        params = {k: ("true" if v is True else "false" if v is False else v) for k, v in query.items() if v is not None}
        if params:
            path = f"{path}?{urllib.parse.urlencode(params)}"
        return self.request("GET", path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, body)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send one request and return the decoded JSON (None for an empty body or a dry-run write)."""
        if self.dry_run and method in WRITE_METHODS:
            self.planned.append(PlannedRequest(method, path, body))
            return None
        url = self.base_url + path
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.master_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "llmgw-create-user/1",
            },
        )
        log.debug("%s %s", method, url)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raw = exc.read().decode("utf-8", "replace")
            raise self._http_error(exc.code, raw, path) from None
        except TimeoutError:
            raise GatewayError(self._timeout_message()) from None
        except urllib.error.URLError as exc:
            raise GatewayError(self._url_error_message(exc)) from None
        except ConnectionError as exc:
            raise GatewayError(f"cannot reach the gateway at {self.base_url}: {exc.strerror or exc}") from None
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise GatewayError(
                f"the gateway at {self.base_url} answered {path.split('?')[0]} with non-JSON content: "
                f"{litellm_message(raw)}"
            ) from None

    def _timeout_message(self) -> str:
        return f"the gateway at {self.base_url} did not answer within {self.timeout:g}s (--timeout)"

    def _url_error_message(self, exc: urllib.error.URLError) -> str:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            return self._timeout_message()
        if isinstance(reason, ConnectionRefusedError):
            return f"cannot connect to the gateway at {self.base_url}: connection refused (is it running?)"
        if isinstance(reason, socket.gaierror):
            return f"cannot resolve the gateway host of {self.base_url}"
        return f"cannot reach the gateway at {self.base_url}: {getattr(reason, 'strerror', None) or reason}"

    def _http_error(self, status: int, raw: str, path: str) -> GatewayError:
        route = path.split("?")[0]
        message = self.mask(litellm_message(raw))
        if NO_DB.search(raw):
            return GatewayError(NO_DB_MESSAGE, status)
        if status == 401:
            hint = "check LITELLM_MASTER_KEY or --master-key-secret-arn" if self.credential == "the master key" else ""
            return GatewayError(f"the gateway refused {self.credential} (401 on {route}){': ' + hint if hint else ''}",
                                status)  # fmt: skip
        if status == 403:
            return GatewayError(
                f"forbidden (403 on {route}): {message}; the admin routes are blocked on the public URL except "
                "from admin_allowed_cidrs (docs/deployment.md), and only an admin key may use them",
                status,
            )
        if status == 404:
            return NotFound(f"not found (404 on {route}): {message}", status)
        if status in (400, 409, 422):
            return GatewayError(f"the gateway rejected {route} ({status}): {message}", status)
        return GatewayError(f"gateway error ({status} on {route}): {message}", status)
