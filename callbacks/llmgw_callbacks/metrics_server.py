"""The gateway's metrics for the scraper, with a credential that can read them and nothing else.

LiteLLM's own ``/metrics/`` accepts any key LiteLLM accepts: without a key database that is only the master key,
so the scraper held the one key that administers everything. This server runs beside LiteLLM (a Procfile process
locally, a compose service, a sidecar container in the ECS task) on the same ``PROMETHEUS_MULTIPROC_DIR`` and
serves exactly what LiteLLM's ``/metrics/`` serves, through LiteLLM's own app for that
(``litellm.proxy.prometheus_metrics_server.build_metrics_app``: every worker's samples, merged, rendered off the
event loop), behind a bearer token of its own (``LLMGW_METRICS_TOKEN``, or a file named by
``LLMGW_METRICS_TOKEN_FILE``; 32+ characters). A scrape no longer runs on an inference worker either.

    python -m llmgw_callbacks.metrics_server [--host 127.0.0.1] [--port 4001]

``GET /metrics/`` needs ``Authorization: Bearer <token>`` (401 otherwise, compared in constant time);
``GET /health`` answers without it (container health checks). Exit 2 on a missing or weak token or multiproc
directory.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger("llmgw_callbacks.metrics_server")

TOKEN_ENV = "LLMGW_METRICS_TOKEN"  # noqa: S105 - the name of the variable, not a secret
TOKEN_FILE_ENV = "LLMGW_METRICS_TOKEN_FILE"  # noqa: S105 - a variable name
MIN_TOKEN_LENGTH = 32
DEFAULT_PORT = 4001
OPEN_PATHS = frozenset({"/health"})


class ConfigError(ValueError):
    """The server cannot start: the message says what to set."""


def read_token(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    value = environ.get(TOKEN_ENV, "").strip()
    path = environ.get(TOKEN_FILE_ENV, "").strip()
    if not value and path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{TOKEN_FILE_ENV}={path}: {exc.strerror or exc}") from None
    if not value:
        raise ConfigError(f"set {TOKEN_ENV} (or {TOKEN_FILE_ENV}): the bearer token the scraper sends")
    if len(value) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"{TOKEN_ENV} is {len(value)} characters; use {MIN_TOKEN_LENGTH} or more random ones")
    return value


class BearerAuth:
    """ASGI middleware: every path but the open ones needs ``Authorization: Bearer <token>``."""

    def __init__(self, app, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or ()).get(b"authorization", b"")
        if hmac.compare_digest(given, self._expected):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": "a valid metrics token is required (Authorization: Bearer <token>)"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="metrics"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def build_app(multiproc_dir: str, token: str):
    from litellm.proxy.prometheus_metrics_server import build_metrics_app

    return BearerAuth(build_metrics_app(multiproc_dir), token)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--multiproc-dir",
        default=os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""),
        help="LiteLLM's PROMETHEUS_MULTIPROC_DIR (default: that variable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        token = read_token()
        if not args.multiproc_dir or not Path(args.multiproc_dir).is_dir():
            raise ConfigError(
                f"PROMETHEUS_MULTIPROC_DIR ({args.multiproc_dir or 'unset'}) must be the directory LiteLLM's workers "
                "write their samples to"
            )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    logger.info("metrics of %s on http://%s:%d/metrics/ (bearer token)", args.multiproc_dir, args.host, args.port)
    uvicorn.run(
        build_app(args.multiproc_dir, token), host=args.host, port=args.port, log_level="warning", access_log=False
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
