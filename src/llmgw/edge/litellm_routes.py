"""Every route of the pinned LiteLLM proxy's FastAPI app, the way the reviewed snapshot
infra/litellm/litellm-routes.txt records them (one line each: `GET,HEAD /path`, `WS /path`, `MOUNT /path`).

    python -m llmgw.edge.litellm_routes            # the routes, one per line
    python -m llmgw.edge.litellm_routes --json     # [{"kind": "http", "path": "/", "methods": ["GET", "HEAD"]}, ...]

Importing litellm.proxy.proxy_server takes ~10 s and ~400 MB, so callers use `collect()`, which runs this module in
a subprocess, never in their own process.

What the running proxy serves is more than what the import registers (measured on litellm 1.106.2, FastAPI 0.165):
- Most routers are FastAPI `_IncludedRouter`s: their routes are reached through `effective_route_contexts()`.
- Optional features register lazily on the first request under their prefix (litellm/proxy/_lazy_features.py,
  LAZY_FEATURES): /v1/messages and /bedrock/{endpoint:path} appear only then. Each is installed here exactly as
  the middleware installs it (`_install`), so the table is the one a warmed worker has.
- The prometheus callback mounts /metrics at proxy start-up (PrometheusLogger._mount_metrics_endpoint).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

KINDS = ("http", "ws", "mount")


class RoutesError(Exception):
    """The route table could not be read; printed as one line."""


@dataclass(frozen=True, order=True)
class Route:
    path: str
    kind: str  # http | ws | mount
    methods: tuple[str, ...] = ()

    def line(self) -> str:
        if self.kind == "http":
            return f"{','.join(self.methods)} {self.path}"
        return f"{self.kind.upper()} {self.path}"

    @classmethod
    def parse(cls, line: str) -> Route:
        head, sep, path = line.strip().partition(" ")
        if not sep or not path.startswith("/"):
            raise RoutesError(f"not a route line: {line!r} (expected 'GET,POST /path', 'WS /path' or 'MOUNT /path')")
        if head in ("WS", "MOUNT"):
            return cls(path, head.lower())
        return cls(path, "http", tuple(sorted(head.split(","))))

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "methods": list(self.methods)}


def merge(routes: Iterable[Route]) -> list[Route]:
    """One entry per (path, kind): the methods of routes registered separately (GET and OPTIONS) are united."""
    methods: dict[tuple[str, str], set[str]] = {}
    for r in routes:
        methods.setdefault((r.path, r.kind), set()).update(r.methods)
    return sorted(Route(path, kind, tuple(sorted(m))) for (path, kind), m in methods.items())


# --- reading the app (in the subprocess) ----------------------------------------------------------------------


def _describe(effective: Any, original: Any) -> Route | None:
    from fastapi.routing import APIWebSocketRoute
    from starlette.routing import Mount, WebSocketRoute

    path = getattr(effective, "path", None)
    if path is None:
        return None
    if isinstance(original, Mount):
        return Route(path.rstrip("/") or "/", "mount")
    if isinstance(original, APIWebSocketRoute | WebSocketRoute):
        return Route(path, "ws")
    methods = getattr(effective, "methods", None) or getattr(original, "methods", None) or ()
    return Route(path, "http", tuple(sorted(methods)))


def _walk(routes: Iterable[Any]) -> Iterator[Route]:
    from fastapi.routing import _IncludedRouter

    for route in routes:
        if isinstance(route, _IncludedRouter):
            contexts = [*route.effective_route_contexts(), *route.effective_low_priority_routes()]
            for ctx in contexts:
                effective = ctx.starlette_route if getattr(ctx, "starlette_route", None) is not None else ctx
                found = _describe(effective, ctx.original_route)
                if found is not None:
                    yield found
        else:
            found = _describe(route, route)
            if found is not None:
                yield found


def app_routes() -> list[Route]:
    """The route table of a warmed worker: the import, every lazy feature, /metrics. Imports the proxy (slow)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")
    from litellm.integrations.prometheus import PrometheusLogger
    from litellm.proxy import proxy_server
    from litellm.proxy._lazy_features import LAZY_FEATURES, _install

    app = proxy_server.app
    for feature in LAZY_FEATURES:
        if not _install(app, feature, lambda f=feature: importlib.import_module(f.module_path), LAZY_FEATURES):
            raise RoutesError(f"LiteLLM's lazy feature {feature.name!r} ({feature.module_path}) failed to load")
    PrometheusLogger._mount_metrics_endpoint()
    low = getattr(app.router, "_low_priority_routes", [])
    return merge(_walk([*app.router.routes, *low]))


# --- for callers -----------------------------------------------------------------------------------------------


def collect(timeout: float = 300) -> list[Route]:
    """app_routes() of the installed LiteLLM, computed in a subprocess."""
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS="True")
    proc = subprocess.run(
        [sys.executable, "-m", __name__, "--json"], capture_output=True, text=True, timeout=timeout, env=env
    )
    if proc.returncode != 0:
        raise RoutesError(f"listing LiteLLM's routes failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    lines = proc.stdout.strip().splitlines()  # the JSON is the last line, whatever LiteLLM printed before it
    if not lines:
        raise RoutesError(f"listing LiteLLM's routes printed nothing: {proc.stderr.strip()[-2000:]}")
    return [Route(d["path"], d["kind"], tuple(d["methods"])) for d in json.loads(lines[-1])]


def installed_litellm_version() -> str:
    from importlib.metadata import version

    return version("litellm")


# --- the reviewed snapshot (infra/litellm/litellm-routes.txt) ---------------------------------------------------

SNAPSHOT_HEADER = """\
# Every route of the pinned LiteLLM proxy (litellm=={version}), reviewed: each is either on the public allowlist
# (infra/litellm/public-routes.yaml) or refused at the edge for clients that are not admins
# (tests/terraform/test_public_routes.py). A LiteLLM upgrade that adds a route fails that test until someone decides
# about it and regenerates this file: tools/snapshot_litellm_routes.py
"""


def render_snapshot(routes: Iterable[Route], version: str) -> str:
    return SNAPSHOT_HEADER.format(version=version) + "".join(f"{r.line()}\n" for r in merge(routes))


def parse_snapshot(text: str) -> tuple[str | None, list[Route]]:
    """(the LiteLLM version in the header, the routes)."""
    version = None
    routes = []
    for line in text.splitlines():
        if line.startswith("#"):
            found = re.search(r"litellm==([0-9][^)\s]*)", line)
            version = version or (found.group(1) if found else None)
        elif line.strip():
            routes.append(Route.parse(line))
    return version, routes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of one line per route")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # LiteLLM's import-time warnings (cost map fetch) are not route data
    try:
        routes = app_routes()
    except RoutesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([r.as_dict() for r in routes]))
    else:
        print("\n".join(r.line() for r in routes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
