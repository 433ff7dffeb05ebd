"""What the edge does with a request, evaluated from the values Terraform renders (modules/public-routes outputs and
the cloudfront/alb modules' rule layout), for a client that is not an admin:

    rules = EdgeRules.from_outputs(waf_groups, alb_rules, public_prefixes=[])
    rules.waf_allows("POST", "/v1/messages")      # True: the path is on the allowlist for POST
    rules.alb_forwards("GET", "/openapi.json")    # False: the listener's default action answers 403

WAF, in rule order (modules/cloudfront):
  block-metrics        path starting with /metrics or /grafana/metrics (URL-decoded, normalised, lower-cased):
                       blocked for everyone
  block-waf-headers    a header whose name starts with x-amzn-waf- (only WAF itself may insert one): blocked
  admin-client         client IP in the admin IP sets: counted, labelled, the admin header inserted
  public-route-<name>  method regex and the group's regex pattern set on the URL-decoded path: labelled
  public-prefix        a public prefix (Grafana with SSO): labelled
  block-unlisted-paths neither label: blocked
The regexes are evaluated with Python's `re`, whose semantics equal PCRE's for the constructs the module emits
(anchors, literal characters, escaped dots, one negated character class and `*`/`+`); only AWS can prove WAF's.

ALB (modules/alb): the listener forwards to LiteLLM only when a public rule matches the method and one of its path
globs (`*` any run of characters, `?` one, case-sensitive, the whole path); its default action answers 403.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmgw.paths import REPO

MODULE = REPO / "infra" / "terraform" / "modules" / "public-routes"
ROUTES_FILE = REPO / "infra" / "litellm" / "public-routes.yaml"
WAF_HEADER_PREFIX = "x-amzn-waf-"
METRICS_PREFIXES = ("/metrics", "/grafana/metrics")


@dataclass(frozen=True)
class WafGroup:
    name: str
    methods: tuple[str, ...]
    method_regex: str
    regexes: tuple[str, ...]


@dataclass(frozen=True)
class AlbRule:
    methods: tuple[str, ...]
    path_patterns: tuple[str, ...]


def glob_regex(pattern: str) -> re.Pattern[str]:
    """An ALB path pattern as a regex: * is any run of characters (slashes included), ? exactly one."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z")


def _normalise(path: str) -> str:
    """WAF's URL_DECODE, NORMALIZE_PATH and LOWERCASE, in that order (the metrics rule)."""
    decoded = urllib.parse.unquote(path)
    normal = posixpath.normpath(re.sub(r"/+", "/", decoded)) if decoded else "/"
    if decoded.endswith("/") and normal != "/":
        normal += "/"
    return normal.lower()


@dataclass(frozen=True)
class EdgeRules:
    waf_groups: tuple[WafGroup, ...]
    alb_rules: tuple[AlbRule, ...]
    public_prefixes: tuple[str, ...] = ()
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_outputs(
        cls,
        waf_groups: Iterable[Mapping[str, Any]],
        alb_rules: Iterable[Mapping[str, Any]],
        public_prefixes: Sequence[str] = (),
    ) -> EdgeRules:
        return cls(
            tuple(WafGroup(g["name"], tuple(g["methods"]), g["method_regex"], tuple(g["regexes"])) for g in waf_groups),
            tuple(AlbRule(tuple(r["methods"]), tuple(r["path_patterns"])) for r in alb_rules),
            tuple(public_prefixes),
        )

    def _re(self, pattern: str) -> re.Pattern[str]:
        if pattern not in self._compiled:
            self._compiled[pattern] = re.compile(pattern)
        return self._compiled[pattern]

    # -- WAF --
    def waf_metrics_blocked(self, path: str) -> bool:
        normal = _normalise(path)
        return any(normal.startswith(p) for p in METRICS_PREFIXES)  # STARTS_WITH, as the rule says

    def waf_public_route(self, method: str, path: str) -> bool:
        decoded = urllib.parse.unquote(path)
        for g in self.waf_groups:
            if self._re(g.method_regex).search(method) and any(self._re(rx).search(decoded) for rx in g.regexes):
                return True
        return any(decoded == p or decoded.startswith(p + "/") for p in self.public_prefixes)

    def waf_allows(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, *, admin_client: bool = False
    ) -> bool:
        if self.waf_metrics_blocked(path):
            return False
        if any(name.lower().startswith(WAF_HEADER_PREFIX) for name in headers or {}):
            return False
        return admin_client or self.waf_public_route(method, path)

    # -- ALB (a request without the admin header) --
    def alb_forwards(self, method: str, path: str) -> bool:
        return any(
            method in r.methods and any(glob_regex(p).match(path) for p in r.path_patterns) for r in self.alb_rules
        )

    def reaches_litellm(self, method: str, path: str) -> bool:
        """A non-admin request gets through both layers."""
        return self.waf_allows(method, path) and self.alb_forwards(method, path)


# --- rendering with the real terraform ------------------------------------------------------------------------


class RenderError(RuntimeError):
    """terraform could not render the module; carries its output."""


def _terraform(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("terraform")
    if binary is None:
        raise RenderError("the terraform CLI (>= 1.11) is not on PATH")
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
    return subprocess.run([binary, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def module_root(workdir: Path, routes_file: Path | None = None, group_prefix: str = "") -> Path:
    """A root calling a copy of modules/public-routes at the repository's layout (its default allowlist path
    resolves to a copy of infra/litellm/public-routes.yaml), initialised; group_prefix names the groups of a second
    allowlist (the key broker's)."""
    shutil.copytree(MODULE, workdir / "infra/terraform/modules/public-routes")
    (workdir / "infra/litellm").mkdir(parents=True)
    shutil.copy(ROUTES_FILE, workdir / "infra/litellm/public-routes.yaml")
    root = workdir / "infra/terraform/root"
    root.mkdir()
    arg = "" if routes_file is None else f"routes_file = {json.dumps(str(routes_file))}"
    if group_prefix:
        arg += f"\n  group_prefix = {json.dumps(group_prefix)}"
    (root / "main.tf").write_text(
        f"""module "routes" {{
  source = "../modules/public-routes"
  {arg}
}}
output "waf_groups" {{ value = module.routes.waf_groups }}
output "alb_rules" {{ value = module.routes.alb_rules }}
output "routes" {{ value = module.routes.routes }}
"""
    )
    init = _terraform(["init", "-input=false"], root)
    if init.returncode != 0:
        raise RenderError(init.stdout + init.stderr)
    return root


def plan(root: Path) -> subprocess.CompletedProcess[str]:
    return _terraform(["plan", "-input=false"], root)


def render(workdir: Path, routes_file: Path | None = None, group_prefix: str = "") -> dict[str, Any]:
    """The module's outputs as the real terraform renders them (apply of a provider-free root, offline)."""
    root = module_root(workdir, routes_file, group_prefix)
    apply = _terraform(["apply", "-auto-approve", "-input=false"], root)
    if apply.returncode != 0:
        raise RenderError(apply.stdout + apply.stderr)
    out = _terraform(["output", "-json"], root)
    if out.returncode != 0:
        raise RenderError(out.stderr)
    return {k: v["value"] for k, v in json.loads(out.stdout).items()}


def rendered_rules(workdir: Path) -> EdgeRules:
    outputs = render(workdir)
    return EdgeRules.from_outputs(outputs["waf_groups"], outputs["alb_rules"])
