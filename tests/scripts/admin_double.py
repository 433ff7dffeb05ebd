"""A contract double of LiteLLM 1.106.2's admin API, for testing create_user.py without a database.

The real routes need Postgres through Prisma, whose engines cannot be downloaded here. The double takes everything
it can from LiteLLM itself:
- the route table: LiteLLM's own FastAPI routers (internal_user_endpoints, key_management_endpoints,
  team_endpoints): paths, methods, query parameters and the body model of every route;
- request validation: FastAPI's own validation of those query parameters and body models, made strict: a body
  field or query parameter LiteLLM does not know (which the real proxy would silently ignore) is a 422 and a
  recorded violation, so a client typo cannot pass;
- responses: built from LiteLLM's own models (NewUserResponse, GenerateKeyResponse, UserInfoResponse,
  UserListResponse, KeyListResponseObject, LiteLLM_VerificationToken, TeamAddMemberResponse...) and passed through
  the route's response_model the way FastAPI does;
- error bodies: the shapes of the real routes ({"error": {"message", "type", "param", "code"}} from
  ProxyException, {"detail": ...} from a bare HTTPException), including what the real proxy answers without a
  database (pinned against the real gateway by
  tests/scripts/test_create_user.py::test_no_db_bodies_match_the_real_gateway).
- authentication: the master key, or a virtual key of the double's key table (not blocked, not expired) whose
  user is a proxy_admin, restricted by the key's allowed_routes with LiteLLM's own check
  (RouteChecks.is_virtual_key_allowed_to_call_route, which LiteLLM applies to every role); each request records
  which credential it used, so a test can show a client never used the master key.
State lives in memory, so idempotency and rotation are real. Modes: "ok", "no_db", "waf" (CloudFront/WAF's HTML
403), "slow" (answers after `slow_seconds`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import threading
import time
import types
import typing
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi import HTTPException
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute
from litellm.litellm_core_utils.duration_parser import duration_in_seconds
from litellm.models.team import LiteLLM_TeamTable, Member
from litellm.models.user import LiteLLM_UserTable
from litellm.models.verification_token import LiteLLM_VerificationToken
from litellm.proxy._types import (
    GenerateKeyResponse,
    NewUserResponse,
    ProxyException,
    TeamAddMemberResponse,
    UserAPIKeyAuth,
    UserInfoResponse,
)
from litellm.proxy.auth.route_checks import RouteChecks
from litellm.proxy.common_utils.timezone_utils import budget_duration_error
from litellm.proxy.management_endpoints import internal_user_endpoints, key_management_endpoints, team_endpoints
from litellm.proxy.management_endpoints.key_management_endpoints import _validate_key_alias_format
from litellm.types.proxy.management_endpoints.internal_user_endpoints import UserListResponse
from pydantic import BaseModel
from starlette.datastructures import QueryParams

from llmgw_callbacks.errors import UNKNOWN_KEY_MESSAGE
from scripts import llm_routes

ROUTERS = (internal_user_endpoints.router, key_management_endpoints.router, team_endpoints.router)
MANAGEMENT_ROUTES: list[APIRoute] = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]

# What the real proxy (no DATABASE_URL) answers, per route, with the master key (status, body); recorded from
# LiteLLM 1.106.2 and re-checked against the real gateway by test_no_db_bodies_match_the_real_gateway.
_DB_HINT = (
    "This endpoint needs a database; set DATABASE_URL to a PostgreSQL connection string (postgresql://...) to "
    "enable it. See https://docs.litellm.ai/docs/proxy/virtual_keys"
)
_NO_DB_INFO = (
    "Database not connected. Connect a database to your proxy - "
    "https://docs.litellm.ai/docs/simple_proxy#managing-auth---virtual-keys"
)


def _proxy_body(message: str, type_: str, param: str | None, code: str | None) -> dict[str, Any]:
    """ProxyException.to_dict() as the proxy's exception handler sends it."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


NO_DB_ANSWERS: dict[str, tuple[int, dict[str, Any]]] = {
    "/user/new": (400, _proxy_body(f"DB not connected. {_DB_HINT}", "internal_server_error", None, "400")),
    "/user/info": (500, _proxy_body(_NO_DB_INFO, "internal_server_error", None, "500")),
    "/user/list": (500, {"detail": {"error": "No db connected. prisma client=None"}}),
    "/user/update": (400, _proxy_body("Authentication Error, Not connected to DB!", "auth_error", "None", "400")),
    "/key/list": (
        500,
        _proxy_body("Authentication Error, Database not connected", "internal_server_error", "None", "500"),
    ),
    "/key/generate": (
        500,
        _proxy_body(str({"error": f"DB not connected. {_DB_HINT}"}), "internal_server_error", None, "500"),
    ),
    "/key/update": (500, _proxy_body(str({"error": "Database not connected"}), "auth_error", "None", "500")),
    "/key/delete": (500, _proxy_body("Not connected to DB!", "internal_server_error", None, "500")),
    # /key/block and /key/unblock say nothing about the database: clients must look the key up first (/key/list).
    "/key/block": (500, {"error": {"message": "Internal server error", "type": "internal_server_error"}}),
    "/key/unblock": (500, {"error": {"message": "Internal server error", "type": "internal_server_error"}}),
    "/team/info": (500, _proxy_body(str({"error": _NO_DB_INFO}), "auth_error", "None", "500")),
    "/team/member_add": (500, {"detail": {"error": "No db connected"}}),
}
# Any admin route, any key but the master key: LiteLLM says 400 "No connected db."; the gateway's policy callback
# (llmgw_callbacks.errors) answers what an unknown key is, 401.
NO_DB_WRONG_KEY = (401, _proxy_body(UNKNOWN_KEY_MESSAGE, "auth_error", "None", "401"))
WAF_BLOCK_PAGE = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n'
    '<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">\n'
    "<TITLE>ERROR: The request could not be satisfied</TITLE>\n</HEAD><BODY>\n"
    '<H1>403 ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n<HR noshade size="1px">\n'
    "Request blocked.\n</BODY></HTML>\n"
)


class Answer(Exception):
    """Raised by a handler to answer with this status and JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def proxy_error(status: int, message: str, type_: str = "internal_server_error", param: str | None = None) -> Answer:
    """ProxyException's body, as proxy_server.openai_exception_handler writes it."""
    exc = ProxyException(message=message, type=type_, param=param, code=status)
    return Answer(int(exc.code), {"error": exc.to_dict()})


def wrapped_http_exception(status: int, detail: Any) -> Answer:
    """An HTTPException raised inside a route's try block and turned into a ProxyException by
    handle_exception_on_proxy: the detail (often a dict) becomes the message as its str()."""
    return proxy_error(status, str(detail))


def bare_http_exception(status: int, detail: Any) -> Answer:
    """An HTTPException that no handler of the route wrapped: FastAPI's {"detail": ...}."""
    return Answer(status, {"detail": detail})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(key: str) -> str:
    """LiteLLM's hash_token_if_needed: raw keys (sk-...) are hashed, hashes are used as they are."""
    return hash_token(key) if key.startswith("sk-") else key


def now() -> datetime:
    return datetime.now(UTC)


# --- strictness -------------------------------------------------------------------------------------------------


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Pydantic models inside an annotation (Optional, Union, list[...])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple, typing.Annotated):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def unknown_fields(model: type[BaseModel], data: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Dotted paths of keys in data (recursively) that the model does not declare: extra="forbid" semantics."""
    if not isinstance(data, dict):
        return []
    known = {name: info for name, info in model.model_fields.items()}
    known.update({info.alias: info for info in model.model_fields.values() if info.alias})
    found: list[str] = []
    for key, value in data.items():
        info = known.get(key)
        if info is None:
            found.append(".".join((*path, str(key))))
            continue
        nested = _models_in(info.annotation)
        if not nested:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                found.extend(unknown_fields(nested[0], item, (*path, str(key))))
    return found


# --- the double -------------------------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int
    credential: str = ""  # "master", the alias of the virtual key, or "" (refused before it was known)


@dataclass
class AdminDouble:
    master_key: str
    mode: str = "ok"
    slow_seconds: float = 3.0
    cost_per_request: float = 0.01  # USD each answered LLM request adds to its key's, user's and team's spend
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # token (sha256) -> key row
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_keys: set[str] = field(default_factory=set)  # valid non-admin keys (raw)
    requests: list[Recorded] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    injected: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    server: ThreadingHTTPServer | None = field(default=None, repr=False)

    # -- test helpers --
    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def add_team(self, team_id: str, alias: str | None = None) -> None:
        self.teams[team_id] = LiteLLM_TeamTable(team_id=team_id, team_alias=alias).model_dump(mode="json")

    def inject(self, method: str, path: str, status: int, body: Any) -> None:
        """Answer the next METHOD PATH with this status and body instead of handling it."""
        self.injected.setdefault((method, path), []).append(Answer(status, body))

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    def key_by_alias(self, alias: str) -> dict[str, Any] | None:
        return next((k for k in self.keys.values() if k.get("key_alias") == alias), None)

    def authenticates(self, raw_key: str) -> bool:
        """Would the gateway let this virtual key through (exists, not blocked, not expired)?"""
        row = self.keys.get(hash_token(raw_key))
        if row is None or row.get("blocked"):
            return False
        expires = row.get("expires")
        return expires is None or datetime.fromisoformat(expires) > now()

    # -- HTTP plumbing --
    def handle(self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes) -> tuple[int, str, str]:
        """(status, content type, body) for one request."""
        parsed = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        body: Any = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                body = raw_body.decode("utf-8", "replace")
        status, payload = self._answer(method, parsed.path, parsed.query, headers, body)
        with self.lock:
            self.requests.append(Recorded(method, parsed.path, query, body, status, self._credential(headers)))
        if isinstance(payload, str):
            return status, "text/html", payload
        return status, "application/json", json.dumps(payload)

    def _answer(self, method: str, path: str, query: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        if self.mode == "slow":
            time.sleep(self.slow_seconds)
        if self.mode == "waf":
            return 403, WAF_BLOCK_PAGE
        if method == "POST" and path in llm_routes.LLM_PATHS:
            return llm_routes.answer(self, path, headers, body)
        route = self._route(method, path)
        if isinstance(route, Answer):
            return route.status, route.body
        try:
            self._authenticate(headers, route.path)
            if self.mode == "no_db":
                status, answer = NO_DB_ANSWERS.get(route.path, (500, {"detail": {"error": "No db connected"}}))
                return status, answer
            queued = self.injected.get((method, path))
            if queued:
                raise queued.pop(0)
            values = self._validate_query(route, query)
            data = self._validate_body(route, body)
            handler = HANDLERS.get((method, route.path))
            if handler is None:
                self.violations.append(f"{method} {route.path}: not implemented by the double")
                return 501, {"detail": f"the contract double does not implement {method} {route.path}"}
            with self.lock:
                result = handler(self, data, values)
            return 200, self._serialize(route, result)
        except Answer as answer:
            return answer.status, answer.body

    @staticmethod
    def _route(method: str, path: str) -> APIRoute | Answer:
        matching = [r for r in MANAGEMENT_ROUTES if r.path_regex.match(path)]
        # A literal path wins over a template (/key/list before /key/{key}).
        matching.sort(key=lambda r: "{" in r.path)
        for route in matching:
            if method in route.methods:
                return route
        if matching:
            return Answer(405, {"detail": "Method Not Allowed"})
        return Answer(404, {"detail": "Not Found"})

    @staticmethod
    def _bearer(headers: dict[str, str]) -> str:
        auth = headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else ""

    def _credential(self, headers: dict[str, str]) -> str:
        key = self._bearer(headers)
        if key and key == self.master_key:
            return "master"
        row = self.keys.get(hash_token(key)) if key else None
        return (row.get("key_alias") or row["token"]) if row else ""

    def _authenticate(self, headers: dict[str, str], route: str = "") -> None:
        key = self._bearer(headers)
        if self.mode == "no_db" and key and key != self.master_key:
            raise Answer(*NO_DB_WRONG_KEY)
        if not key:
            raise proxy_error(401, "Authentication Error, No api key passed in.", "auth_error", "None")
        if key == self.master_key:
            return
        if self.authenticates(key):
            row = self.keys[hash_token(key)]
            user = self.users.get(row.get("user_id") or "", {})
            if user.get("user_role") == "proxy_admin":
                try:  # LiteLLM's own allowed_routes check, applied to every role
                    RouteChecks.is_virtual_key_allowed_to_call_route(route=route, valid_token=UserAPIKeyAuth(**row))
                except HTTPException as exc:
                    raise proxy_error(403, f"Authentication Error, {exc.detail}", "auth_error", "None") from None
                return
            self.user_keys.add(key)
        if key in self.user_keys:
            raise proxy_error(
                403,
                "Authentication Error, user not allowed to access this route, role= internal_user. "
                "Trying to access: an admin route",
                "auth_error",
                "None",
            )
        raise proxy_error(
            401,
            f"Authentication Error, Invalid proxy server token passed. Received API Key = sk-...{key[-4:]}, "
            f"Key Hash (Token) ={hash_token(key)}. Unable to find token in cache or `LiteLLM_VerificationTokenTable`",
            "auth_error",
            "None",
        )

    def _validate_query(self, route: APIRoute, query: str) -> dict[str, Any]:
        params = QueryParams(query)
        known = {f.alias for f in route.dependant.query_params} | {f.name for f in route.dependant.query_params}
        unknown = sorted(set(params.keys()) - known)
        if unknown:
            self.violations.append(f"{route.path}: unknown query parameter(s) {unknown}")
            raise Answer(422, {"detail": [
                {"type": "extra_forbidden", "loc": ["query", name], "msg": "Extra inputs are not permitted",
                 "input": params.get(name)} for name in unknown
            ]})  # fmt: skip
        values, errors = request_params_to_args(route.dependant.query_params, params)
        if errors:
            self.violations.append(f"{route.path}: invalid query {errors}")
            raise Answer(422, {"detail": jsonable(errors)})
        return values

    def _validate_body(self, route: APIRoute, body: Any) -> Any:
        if not route.dependant.body_params:
            if body not in (None, {}):
                self.violations.append(f"{route.path}: takes no body, got {body!r}")
            return None
        param = route.dependant.body_params[0]
        model = param.field_info.annotation
        if body is None or isinstance(body, str):
            self.violations.append(f"{route.path}: body is not JSON: {body!r}")
            raise Answer(422, {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required"}]})
        extra = unknown_fields(model, body) if isinstance(model, type) and issubclass(model, BaseModel) else []
        if extra:
            self.violations.append(f"{route.path}: fields LiteLLM does not know: {extra}")
            raise Answer(422, {"detail": [
                {"type": "extra_forbidden", "loc": ["body", *p.split(".")], "msg": "Extra inputs are not permitted",
                 "input": body} for p in extra
            ]})  # fmt: skip
        value, errors = param.validate(body, {}, loc=("body",))
        if errors:
            self.violations.append(f"{route.path}: invalid body {errors}")
            raise Answer(422, {"detail": jsonable(errors)})
        return value

    def _serialize(self, route: APIRoute, result: Any) -> Any:
        if route.response_field is not None:
            value, errors = route.response_field.validate(result, {}, loc=("response",))
            if errors:
                raise AssertionError(f"the double built an invalid {route.path} response: {errors}")
            return route.response_field.serialize(value, mode="json")
        return jsonable(result)


def jsonable(value: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)


# --- handlers (state changes mirror the real routes) -------------------------------------------------------------


def _user_row(double: AdminDouble, user_id: str) -> dict[str, Any]:
    return LiteLLM_UserTable.model_validate(double.users[user_id]).model_dump(mode="json")


def _user_keys(double: AdminDouble, user_id: str) -> list[dict[str, Any]]:
    return [LiteLLM_VerificationToken.model_validate(k).model_dump(mode="json")
            for k in double.keys.values() if k.get("user_id") == user_id]  # fmt: skip


def _check_duration(value: str | None) -> None:
    error = budget_duration_error(value)
    if error is not None:
        raise wrapped_http_exception(400, {"error": error})


def user_new(double: AdminDouble, data: Any, _: dict[str, Any]) -> Any:
    _check_duration(data.budget_duration)
    user_id = data.user_id or f"{secrets.token_hex(4)}-{secrets.token_hex(2)}"
    if user_id in double.users:
        raise wrapped_http_exception(409, {"error": f"User with id {user_id} already exists"})
    if data.user_email and any((u.get("user_email") or "").lower() == data.user_email.strip().lower()
                               for u in double.users.values()):  # fmt: skip
        raise wrapped_http_exception(409, {"error": f"User with email {data.user_email.strip()} already exists"})
    row = LiteLLM_UserTable(
        user_id=user_id,
        user_email=data.user_email,
        user_alias=data.user_alias,
        user_role=(data.user_role.value if hasattr(data.user_role, "value") else data.user_role) or "internal_user",
        max_budget=data.max_budget,
        budget_duration=data.budget_duration,
        budget_reset_at=now() + timedelta(seconds=duration_in_seconds(data.budget_duration))
        if data.budget_duration
        else None,
        models=data.models or [],
        rpm_limit=data.rpm_limit,
        tpm_limit=data.tpm_limit,
        metadata=data.metadata or {},
        created_at=now(),
        updated_at=now(),
    ).model_dump(mode="json")
    double.users[user_id] = row
    response: dict[str, Any] = {k: v for k, v in row.items() if k in NewUserResponse.model_fields}
    response["key"] = ""
    if data.auto_create_key:
        response["key"] = _new_key(double, {"user_id": user_id, "key_alias": data.key_alias, "duration": data.duration,
                                            "models": data.models or []})["key"]  # fmt: skip
    return NewUserResponse.model_validate(response)


def user_info(double: AdminDouble, _: Any, query: dict[str, Any]) -> Any:
    user_id = query.get("user_id")
    if user_id not in double.users:
        raise wrapped_http_exception(404, f"User {user_id} not found")
    row = _user_row(double, user_id)
    teams = [LiteLLM_TeamTable.model_validate(double.teams[t]).model_dump(mode="json")
             for t in row["teams"] if t in double.teams]  # fmt: skip
    return UserInfoResponse(user_id=user_id, user_info=row, keys=_user_keys(double, user_id), teams=teams)


def user_list(double: AdminDouble, _: Any, query: dict[str, Any]) -> Any:
    rows = list(double.users.values())
    if query.get("user_email"):
        rows = [u for u in rows if query["user_email"].lower() in (u.get("user_email") or "").lower()]
    if query.get("team"):
        rows = [u for u in rows if query["team"] in (u.get("teams") or [])]
    if query.get("role"):
        rows = [u for u in rows if u.get("user_role") == query["role"]]
    rows.sort(key=lambda u: u["user_id"])
    page, size = query["page"], query["page_size"]
    chunk = rows[(page - 1) * size : page * size]
    users = [{**_user_row(double, u["user_id"]), "key_count": len(_user_keys(double, u["user_id"]))} for u in chunk]
    pages = max(1, -(-len(rows) // size))
    return UserListResponse.model_validate(
        {"users": users, "total": len(rows), "page": page, "page_size": size, "total_pages": pages}
    )


def user_update(double: AdminDouble, data: Any, _: dict[str, Any]) -> Any:
    _check_duration(data.budget_duration)
    user_id = data.user_id
    if user_id not in double.users:
        raise proxy_error(400, "Authentication Error, Failed to update user", "auth_error", "None")
    changes = data.model_dump(exclude_unset=True, mode="json")
    changes.pop("user_id", None)
    row = double.users[user_id]
    row.update(changes)
    if changes.get("budget_duration"):
        reset_in = timedelta(seconds=duration_in_seconds(changes["budget_duration"]))
        row["budget_reset_at"] = (now() + reset_in).isoformat()
    row["updated_at"] = now().isoformat()
    return {"user_id": user_id, "data": _user_row(double, user_id)}


def _unique_alias(double: AdminDouble, alias: str | None, except_token: str | None = None) -> None:
    _validate_key_alias_format(alias)  # LiteLLM's own check (raises ProxyException)
    if alias is not None and any(k.get("key_alias") == alias and t != except_token for t, k in double.keys.items()):
        raise proxy_error(400, f"Key with alias '{alias}' already exists. Unique key aliases across all keys are "
                          "required.", "bad_request_error", "key_alias")  # fmt: skip


def _new_key(double: AdminDouble, values: dict[str, Any]) -> dict[str, Any]:
    raw = "sk-" + secrets.token_urlsafe(16)
    token = hash_token(raw)
    duration = values.pop("duration", None)
    expires = (now() + timedelta(seconds=duration_in_seconds(duration))).isoformat() if duration else None
    row = LiteLLM_VerificationToken(
        **{k: v for k, v in values.items() if k in LiteLLM_VerificationToken.model_fields and v is not None},
        token=token,
        key_name=f"sk-...{raw[-4:]}",
        expires=expires,
        created_at=now(),
        updated_at=now(),
        created_by="default_user_id",
    ).model_dump(mode="json")
    double.keys[token] = row
    return {**row, "key": raw, "token_id": token, "token": None}


def key_generate(double: AdminDouble, data: Any, _: dict[str, Any]) -> Any:
    if data.max_budget is not None and data.max_budget < 0:
        raise wrapped_http_exception(400, {"error": f"max_budget must be a non-negative finite number. Received: "
                                                    f"{data.max_budget}"})  # fmt: skip
    _check_duration(data.budget_duration)
    if data.duration is not None:
        try:
            duration_in_seconds(data.duration)
        except ValueError as exc:
            raise wrapped_http_exception(400, {"error": str(exc)}) from None
    _unique_alias(double, data.key_alias)
    values = data.model_dump(exclude_unset=True, mode="json")
    return GenerateKeyResponse.model_validate(_new_key(double, values))


def _existing_key(double: AdminDouble, key: str | None, alias: str | None) -> str:
    if key is not None:
        token = token_of(key)
        if token not in double.keys:
            raise proxy_error(404, "Key not found.", "not_found_error", "key")
        return token
    matches = [t for t, k in double.keys.items() if k.get("key_alias") == alias]
    if not matches:
        raise proxy_error(404, f"Key with alias '{alias}' not found.", "not_found_error", "key_alias")
    if len(matches) > 1:
        raise proxy_error(400, f"Multiple keys found with alias '{alias}'.", "bad_request_error", "key_alias")
    return matches[0]


def key_update(double: AdminDouble, data: Any, _: dict[str, Any]) -> Any:
    token = _existing_key(double, data.key, data.key_alias if data.key is None else None)
    changes = data.model_dump(exclude_unset=True, mode="json")
    changes.pop("key", None)
    if data.key is None:
        changes.pop("key_alias", None)
    if "key_alias" in changes and changes["key_alias"] != double.keys[token].get("key_alias"):
        _unique_alias(double, changes["key_alias"], except_token=token)
    duration = changes.pop("duration", None)
    if duration:
        changes["expires"] = (now() + timedelta(seconds=duration_in_seconds(duration))).isoformat()
    double.keys[token].update(changes)
    double.keys[token]["updated_at"] = now().isoformat()
    return {"key": data.key or token, **LiteLLM_VerificationToken.model_validate(double.keys[token]).model_dump()}


def key_delete(double: AdminDouble, data: Any, _: dict[str, Any]) -> Any:
    if data.keys:
        tokens = [token_of(k) for k in data.keys if token_of(k) in double.keys]
        deleted = data.keys
    else:
        tokens = [t for t, k in double.keys.items() if k.get("key_alias") in (data.key_aliases or [])]
        deleted = data.key_aliases
    if not tokens:
        raise wrapped_http_exception(404, {"error": "No keys found"})
    for token in tokens:
        del double.keys[token]
    return {"deleted_keys": deleted}


def _set_blocked(double: AdminDouble, data: Any, blocked: bool) -> Any:
    token = token_of(data.key)
    if token not in double.keys:
        raise proxy_error(404, "Key not found.", "not_found_error", "key")
    double.keys[token]["blocked"] = blocked
    return LiteLLM_VerificationToken.model_validate(double.keys[token])


def key_list(double: AdminDouble, _: Any, query: dict[str, Any]) -> Any:
    rows = list(double.keys.values())
    for name in ("key_alias", "user_id", "team_id"):
        if query.get(name) is not None:
            rows = [k for k in rows if k.get(name) == query[name]]
    if query.get("key_hash") is not None:
        rows = [k for k in rows if k.get("token") == query["key_hash"]]
    page, size = query["page"], query["size"]
    chunk = rows[(page - 1) * size : page * size]
    keys: list[Any] = (
        [UserAPIKeyAuth(**k) for k in chunk] if query["return_full_object"] else [k["token"] for k in chunk]
    )
    return {"keys": keys, "total_count": len(rows), "current_page": page, "total_pages": max(1, -(-len(rows) // size))}


def team_info(double: AdminDouble, _: Any, query: dict[str, Any]) -> Any:
    team_id = query.get("team_id")
    if team_id not in double.teams:
        raise wrapped_http_exception(404, {"message": f"Team not found, passed team id: {team_id}."})
    team = LiteLLM_TeamTable.model_validate(double.teams[team_id]).model_dump(mode="json")
    keys = [{k: v for k, v in key.items() if k != "token"} for key in double.keys.values()
            if key.get("team_id") == team_id]  # fmt: skip
    return {"team_id": team_id, "team_info": team, "keys": keys, "team_memberships": []}


def team_new(double: AdminDouble, data: Any, _: dict[str, Any]) -> Any:
    _check_duration(data.budget_duration)
    team_id = data.team_id or str(uuid.uuid4())
    if team_id in double.teams:
        message = f"Team id = {team_id} already exists. Please use a different team id."
        raise wrapped_http_exception(400, {"error": message})
    reset = now() + timedelta(seconds=duration_in_seconds(data.budget_duration)) if data.budget_duration else None
    double.teams[team_id] = LiteLLM_TeamTable(
        team_id=team_id, team_alias=data.team_alias, max_budget=data.max_budget, budget_duration=data.budget_duration,
        budget_reset_at=reset, created_at=now(), metadata=data.metadata or {},
    ).model_dump(mode="json")  # fmt: skip
    return LiteLLM_TeamTable.model_validate(double.teams[team_id])


def team_update(double: AdminDouble, data: Any, _: dict[str, Any]) -> Any:
    team = double.teams.get(data.team_id)
    if team is None:
        raise wrapped_http_exception(400, {"error": f"Team not found, passed team_id={data.team_id}"})
    changes = data.model_dump(exclude_unset=True, mode="json")
    _check_duration(changes.get("budget_duration"))
    for name in ("team_alias", "max_budget", "budget_duration"):
        if name in changes:
            team[name] = changes[name]
    if changes.get("budget_duration"):
        seconds = duration_in_seconds(changes["budget_duration"])
        team["budget_reset_at"] = (now() + timedelta(seconds=seconds)).isoformat()
    return {"team_id": data.team_id, "data": team}


def team_member_add(double: AdminDouble, data: Any, _: dict[str, Any]) -> Any:
    team = double.teams.get(data.team_id)
    if team is None:
        raise bare_http_exception(404, {"error": f"Team not found for team_id={data.team_id}"})
    members = data.member if isinstance(data.member, list) else [data.member]
    existing = [Member.model_validate(m) for m in team["members_with_roles"]]
    for member in members:
        if any(m.user_id == member.user_id for m in existing):
            raise proxy_error(400, f"User already in team. Member: user_id={member.user_id}, user_email="
                              f"{member.user_email}. Existing members={existing}", "team_member_already_in_team",
                              "member")  # fmt: skip
    updated = []
    for member in members:
        user_id = member.user_id or str(member.user_email)
        if user_id not in double.users:  # the real route creates missing users
            double.users[user_id] = LiteLLM_UserTable(user_id=user_id, user_email=member.user_email).model_dump(
                mode="json"
            )
        user = double.users[user_id]
        user["teams"] = [*user.get("teams", []), data.team_id]
        team["members_with_roles"].append(Member(user_id=user_id, role=member.role).model_dump(mode="json"))
        team["members"].append(user_id)
        updated.append(_user_row(double, user_id))
    return TeamAddMemberResponse.model_validate({**team, "updated_users": updated, "updated_team_memberships": []})


HANDLERS: dict[tuple[str, str], Callable[[AdminDouble, Any, dict[str, Any]], Any]] = {
    ("POST", "/user/new"): user_new,
    ("GET", "/user/info"): user_info,
    ("GET", "/user/list"): user_list,
    ("POST", "/user/update"): user_update,
    ("POST", "/key/generate"): key_generate,
    ("POST", "/key/update"): key_update,
    ("POST", "/key/delete"): key_delete,
    ("POST", "/key/block"): lambda d, data, q: _set_blocked(d, data, True),
    ("POST", "/key/unblock"): lambda d, data, q: _set_blocked(d, data, False),
    ("GET", "/key/list"): key_list,
    ("GET", "/team/info"): team_info,
    ("POST", "/team/member_add"): team_member_add,
    ("POST", "/team/new"): team_new,
    ("POST", "/team/update"): team_update,
}


class _Handler(BaseHTTPRequestHandler):
    double: AdminDouble
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, content_type, body = self.double.handle(self.command, self.path, headers, raw)
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # BaseHTTPRequestHandler's signature
        pass


@contextlib.contextmanager
def serve(double: AdminDouble) -> Iterator[AdminDouble]:
    handler = type("Handler", (_Handler,), {"double": double})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    double.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
