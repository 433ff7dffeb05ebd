"""The broker's HTTP API (FastAPI, served by uvicorn). Every public route is under /broker/, the only prefix the
edge (CloudFront) sends to the broker; /metrics is for the scraper inside the network only.

    GET  /broker/v1/config    what a client needs to make a proof (STS endpoint, server id, OIDC providers)
    POST /broker/v1/keys      {"purpose": "laptop", "aws": {...signed GetCallerIdentity...}} or {"id_token": "..."}
                              -> 200 {"key", "key_alias", "expires", "team", "models", "rule", "reused"}
                              -> 400 / 401 / 403 / 503 {"error": {"code", "message"}}
    GET  /broker/healthz      200 while the policy is loaded
    GET  /metrics             Prometheus text
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field

from llmgw.broker.errors import BrokerError
from llmgw.broker.service import Broker, LoginRequest

log = logging.getLogger(__name__)


class AwsProofBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str
    url: str
    body: str
    headers: dict[str, str]


class KeyRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: str = Field(default="default", max_length=40)
    aws: AwsProofBody | None = None
    id_token: str | None = Field(default=None, max_length=16384)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(broker: Broker, *, sweep_interval: float = 300.0) -> FastAPI:
    stop = threading.Event()

    def housekeeping() -> None:
        first = True
        while not stop.is_set():
            try:
                changed = broker.refresh()
                broker.sweep("start" if first else "policy_change" if changed else "periodic")
            except Exception as exc:  # the admin API may be down; the next round tries again
                log.warning("key broker: housekeeping failed: %s", exc)
            first = False
            stop.wait(sweep_interval)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        thread = threading.Thread(target=housekeeping, name="broker-housekeeping", daemon=True)
        if sweep_interval > 0:
            thread.start()
        yield
        stop.set()

    app = FastAPI(title="llmgw key broker", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    @app.exception_handler(RequestValidationError)
    async def bad_body(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in exc.errors()
        )
        return _error(400, "bad_request", f"the request body is not a key request: {problems}")

    @app.get("/broker/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "policy": str(broker.policy_path), "rules": len(broker.policy.rules)}

    @app.get("/broker/v1/config")
    def config() -> dict[str, Any]:
        return broker.client_config()

    @app.post("/broker/v1/keys")
    def keys(body: KeyRequestBody, request: Request) -> JSONResponse:
        login = LoginRequest(
            purpose=body.purpose, aws=body.aws.model_dump() if body.aws else None, id_token=body.id_token
        )
        client = {
            "ip": request.headers.get("x-forwarded-for", request.client.host if request.client else ""),
            "user_agent": request.headers.get("user-agent", "")[:200],
        }
        try:
            issued = broker.login(login, client=client)
        except BrokerError as exc:
            return _error(exc.status, exc.reason, exc.message)
        return JSONResponse(
            {
                "key": issued.key,
                "key_alias": issued.key_alias,
                "expires": issued.expires,
                "team": issued.team,
                "models": issued.models,
                "rule": issued.rule,
                "reused": issued.reused,
            },
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/metrics")
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(broker.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
