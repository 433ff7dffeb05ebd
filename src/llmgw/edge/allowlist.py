"""The allowlist of the public path (infra/litellm/public-routes.yaml) and the route templates it is checked against.

    from llmgw.edge import allowlist
    for entry in allowlist.load():
        entry.path, entry.methods, entry.serves          # "/v1/models/{model_id}", ("GET",), same path
    allowlist.sample_paths("/bedrock/{endpoint:path}")   # ["/bedrock/p1", "/bedrock/p1/p2"]
    allowlist.template_matches("/models/{model_id}", "/models/claude")   # True, as Starlette routes it

Templates use Starlette's syntax ({name}, {name:path}, {name:int}, ...); a path matches a template exactly when
Starlette would route it there (same compiled regex).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from llmgw.paths import REPO

ROUTES_FILE = REPO / "infra" / "litellm" / "public-routes.yaml"
SNAPSHOT = REPO / "infra" / "litellm" / "litellm-routes.txt"

_PARAM = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-z]+))?\}")
# One sample value per Starlette convertor; a path parameter also gets a value with a slash in it.
_SAMPLES = {"str": ["p1"], "path": ["p1", "p1/p2"], "int": ["1"], "float": ["1.5"]}
_SAMPLES["uuid"] = ["00000000-0000-4000-8000-000000000000"]
_CONVERTOR_REGEX = {"str": "[^/]+", "path": ".*", "int": "[0-9]+", "float": r"[0-9]+(?:\.[0-9]+)?"}
_CONVERTOR_REGEX["uuid"] = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class AllowlistError(ValueError):
    """The allowlist file is not what the edge can render; the message names the entry."""


@dataclass(frozen=True)
class PublicRoute:
    path: str
    methods: tuple[str, ...]
    why: str
    serves: str  # the LiteLLM route template that answers it (the path itself unless it is a catch-all's sub-path)


def load(path: Path = ROUTES_FILE) -> list[PublicRoute]:
    data = yaml.safe_load(path.read_text())
    entries = data.get("routes") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise AllowlistError(f"{path}: needs a non-empty `routes:` list")
    routes = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not {"path", "methods", "why"} <= set(e):
            raise AllowlistError(f"{path}: routes[{i}] needs path, methods and why")
        methods = tuple(sorted({str(m).upper() for m in e["methods"]}))
        routes.append(PublicRoute(str(e["path"]), methods, str(e["why"]), str(e.get("serves", e["path"]))))
    return routes


@cache
def template_regex(template: str) -> re.Pattern[str]:
    """Starlette's compile_path for the convertors above: the full-match regex of a route template."""
    out, pos = ["^"], 0
    for m in _PARAM.finditer(template):
        out.append(re.escape(template[pos : m.start()]))
        convertor = m.group(2) or "str"
        if convertor not in _CONVERTOR_REGEX:
            raise AllowlistError(f"{template}: unknown path convertor {convertor!r}")
        out.append(f"(?P<{m.group(1)}>{_CONVERTOR_REGEX[convertor]})")
        pos = m.end()
    out.append(re.escape(template[pos:]) + "$")
    return re.compile("".join(out))


def template_matches(template: str, path: str) -> bool:
    return template_regex(template).match(path) is not None


def sample_paths(template: str) -> list[str]:
    """Concrete paths a route template serves: every combination of its parameters' sample values."""
    paths = [""]
    pos = 0
    for m in _PARAM.finditer(template):
        literal = template[pos : m.start()]
        values = _SAMPLES.get(m.group(2) or "str")
        if values is None:
            raise AllowlistError(f"{template}: unknown path convertor {m.group(2)!r}")
        paths = [p + literal + v for p in paths for v in values]
        pos = m.end()
    return [p + template[pos:] for p in paths]


def mount_sample_paths(prefix: str) -> list[str]:
    """What a mounted sub-application (Starlette Mount) answers: the prefix itself and anything below it."""
    base = prefix.rstrip("/")
    return [base or "/", f"{base}/", f"{base}/p1", f"{base}/p1/p2"]
