"""The public path lets through only the allowlist (infra/litellm/public-routes.yaml), proven against EVERY route of
the pinned LiteLLM proxy:

* the route table of the installed LiteLLM (a warmed worker: lazy features installed, /metrics mounted; listed in a
  subprocess) equals the reviewed snapshot infra/litellm/litellm-routes.txt, so an upgrade that adds a route fails
  here until someone decides about it;
* the allowlist is rendered by the real terraform (modules/public-routes, provider-free, offline) into the WAF
  regexes and ALB path globs the edge uses, and every route that is not on it is refused by BOTH layers for a
  client that is not an admin: the regexes evaluated on the URL-decoded path, the globs on the path;
* every allowlist entry is a real route (or a documented sub-path of a catch-all) and passes both layers;
* the cloudfront and alb modules are wired to those values, not to a blocklist.

Failed before (main's blocklist: three regexes at WAF, a catch-all forward at the ALB): 600 of the 870 routes reached
LiteLLM from any client, /v2/login, /v3/login, /openapi.json, /redoc, /management/v1/users/bulk_delete,
/update/sso_settings, /add/allowed_ip, /reload/model_cost_map and /project/new among them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from llmgw.admin import smoke
from llmgw.edge import allowlist, edge_rules
from llmgw.edge.edge_rules import EdgeRules
from llmgw.edge.litellm_routes import Route, collect, installed_litellm_version, parse_snapshot

from .tflib import MODULES, REPO, TfDir, unquote, versions_env

REGENERATE = "tools/snapshot_litellm_routes.py"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return edge_rules.render(tmp_path_factory.mktemp("public-routes"))


@pytest.fixture(scope="module")
def edge(rendered: dict) -> EdgeRules:
    return EdgeRules.from_outputs(rendered["waf_groups"], rendered["alb_rules"])


@pytest.fixture(scope="module")
def snapshot() -> list[Route]:
    version, routes = parse_snapshot(allowlist.SNAPSHOT.read_text())
    assert version == versions_env()["LITELLM_VERSION"], f"the snapshot is of litellm {version}: run {REGENERATE}"
    return routes


def allowlisted(route: Route, method: str, entries: list[allowlist.PublicRoute]) -> bool:
    return any(e.path == route.path and method in e.methods for e in entries)


def samples(route: Route) -> list[tuple[str, str]]:
    """(method, path) requests a route answers; a mount or a websocket route answers anything below / at it."""
    if route.kind == "mount":
        return [(m, p) for m in ("GET", "POST") for p in allowlist.mount_sample_paths(route.path)]
    methods = route.methods if route.kind == "http" else ("GET",)
    return [(m, p) for m in methods for p in allowlist.sample_paths(route.path)]


def test_the_snapshot_is_the_route_table_of_the_installed_litellm(snapshot: list[Route]) -> None:
    assert installed_litellm_version() == versions_env()["LITELLM_VERSION"]
    live = set(collect())
    recorded = set(snapshot)
    added = sorted(r.line() for r in live - recorded)
    removed = sorted(r.line() for r in recorded - live)
    assert not added and not removed, (
        f"LiteLLM's routes changed: new {added}, gone {removed}. Decide for each new route whether developers need "
        "it on the public path (add it to infra/litellm/public-routes.yaml) or not (the edge refuses it), then run "
        f"{REGENERATE}."
    )
    # The lazily registered routes and the start-up mount are in the table (they are what a real worker serves).
    lines = {r.line() for r in live}
    assert {"POST /v1/messages", "DELETE,GET,PATCH,POST,PUT /bedrock/{endpoint:path}", "MOUNT /metrics"} <= lines


def test_every_route_that_is_not_allowlisted_is_refused_by_waf_and_by_the_alb(
    edge: EdgeRules, snapshot: list[Route]
) -> None:
    entries = allowlist.load()
    through_waf, through_alb = [], []
    checked = 0
    for route in snapshot:
        for method, path in samples(route):
            if route.kind == "http" and allowlisted(route, method, entries):
                continue
            checked += 1
            if edge.waf_allows(method, path):
                through_waf.append(f"{method} {path} ({route.line()})")
            if edge.alb_forwards(method, path):
                through_alb.append(f"{method} {path} ({route.line()})")
    assert checked > 1000
    assert not through_waf, f"WAF lets through routes that are not on the allowlist: {through_waf}"
    assert not through_alb, f"the ALB forwards routes that are not on the allowlist: {through_alb}"


def test_every_allowlist_entry_is_a_route_of_the_pinned_litellm(snapshot: list[Route]) -> None:
    by_path = {r.path: r for r in snapshot if r.kind == "http"}
    for entry in allowlist.load():
        served_by = by_path.get(entry.serves)
        assert served_by is not None, f"{entry.path}: {entry.serves} is not a route of litellm (litellm-routes.txt)"
        assert set(entry.methods) <= set(served_by.methods), f"{entry.path}: {served_by.line()} lacks a method"
        if entry.serves != entry.path:
            assert ":path}" in entry.serves, f"{entry.path}: only a catch-all route may serve another path"
        for path in allowlist.sample_paths(entry.path):
            assert allowlist.template_matches(entry.serves, path), f"{path} is not served by {entry.serves}"


def test_every_allowlist_entry_passes_both_layers(edge: EdgeRules) -> None:
    for entry in allowlist.load():
        for method in entry.methods:
            for path in [*allowlist.sample_paths(entry.path), entry.path.replace("{model_id}", "claude-sonnet-4-5")]:
                assert edge.reaches_litellm(method, path), f"{method} {path} is refused"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/messages"),  # the right path with a method it does not need
        ("POST", "/v1/models"),
        ("POST", "/models/gemini:generateContent"),  # LiteLLM's Gemini route under the /models/{model_id} prefix
        ("GET", "/v1/models/a/b"),  # a {param} is one segment
        ("GET", "/v1/models/.."),  # ... that is not a dot segment
        ("POST", "/bedrock/model/../converse"),
        ("POST", "/bedrock/model/x%2F..%2F..%2Fasync-invoke/converse"),  # encoded slashes are decoded first
        ("POST", "/bedrock/model/x/converse/extra"),
        ("POST", "/bedrock/async-invoke"),  # the catch-all itself is not public
        ("POST", "/V1/messages"),  # case-sensitive, as LiteLLM routes
        ("POST", "/v1/messages/"),
        ("POST", "/anthropic/v1/messages"),  # other pass-throughs
        ("GET", "/metrics"),
        ("GET", "/metrics/"),
        ("GET", "/grafana/metrics"),
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("POST", "/v2/login"),
        ("GET", "/health"),
        ("GET", "/health/readiness"),
    ],
)
def test_near_misses_are_refused_at_waf(edge: EdgeRules, method: str, path: str) -> None:
    assert not edge.waf_allows(method, path)


def test_metrics_are_refused_even_to_admins_and_forged_waf_headers_to_everyone(edge: EdgeRules) -> None:
    assert edge.waf_allows("GET", "/key/list", admin_client=True)
    for path in ("/metrics", "/metrics/", "/METRICS", "/%6Detrics/", "/grafana/metrics", "//grafana/./metrics"):
        assert not edge.waf_allows("GET", path, admin_client=True), path
    forged = {"X-Amzn-Waf-Llmgw-Admin": "guess"}
    assert not edge.waf_allows("POST", "/v1/messages", forged)
    assert not edge.waf_allows("GET", "/key/list", forged, admin_client=True)


def test_the_smoke_test_works_through_the_edge_with_admin_routes_blocked(edge: EdgeRules) -> None:
    """scripts/smoke_test.py --admin-routes blocked: its model and health calls pass, its admin probes are refused."""
    calls = [("GET", "/health/liveliness"), ("GET", "/v1/models"), ("POST", "/v1/chat/completions")]
    calls += [("POST", "/v1/messages"), ("POST", "/v1/messages/count_tokens")]
    source = (REPO / "src/llmgw/admin/smoke.py").read_text()
    for method, path in calls:
        assert f'"{path}"' in source, f"the smoke test no longer calls {path}: update this list"
        assert edge.reaches_litellm(method, path), f"{method} {path}"
    for path in (*smoke.BLOCKED_PATHS, *smoke.METRICS_PATHS):
        assert not edge.waf_allows("GET", path), path


def test_rendered_values_stay_within_aws_limits(rendered: dict) -> None:
    groups = rendered["waf_groups"]
    assert sorted(g["name"] for g in groups) == ["get", "get-head", "post"]
    for g in groups:
        assert 1 <= len(g["regexes"]) <= 10 and all(len(rx) <= 200 for rx in g["regexes"])
        assert all(rx.startswith("^") and rx.endswith("$") for rx in g["regexes"])
        assert "(" not in "".join(g["regexes"]), "AWS WAF supports no capturing subexpressions"
    for rule in rendered["alb_rules"]:
        assert 1 + len(rule["methods"]) + len(rule["path_patterns"]) <= 5 and len(rule["path_patterns"]) <= 3
        assert sum(p.count("*") + p.count("?") for p in rule["path_patterns"]) <= 5
    assert len(rendered["routes"]) == len(allowlist.load())


def test_adding_a_route_is_one_line(tmp_path: Path) -> None:
    data = yaml.safe_load(allowlist.ROUTES_FILE.read_text())
    data["routes"].append({"path": "/key-broker/v1/token", "methods": ["POST"], "why": "issue 17's key broker"})
    extra = tmp_path / "routes.yaml"
    extra.write_text(yaml.safe_dump(data))
    outputs = edge_rules.render(tmp_path / "tf", extra)
    edge = EdgeRules.from_outputs(outputs["waf_groups"], outputs["alb_rules"])
    assert edge.reaches_litellm("POST", "/key-broker/v1/token")
    assert not edge.waf_allows("GET", "/key-broker/v1/token")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"path": "v1/messages", "methods": ["POST"], "why": "x"}, "Every public route needs a path"),
        ({"path": "/v1/{Model}", "methods": ["GET"], "why": "x"}, "Every public route needs a path"),
        ({"path": "/v1/x", "methods": ["TRACE"], "why": "x"}, "Every public route needs a path"),
        ({"path": "/v1/x", "methods": ["GET"], "why": " "}, "Every public route needs a path"),
        ({"path": "/v1/messages", "methods": ["GET"], "why": "twice"}, "listed twice"),
    ],
)
def test_a_wrong_allowlist_is_refused_at_plan(tmp_path: Path, entry: dict, message: str) -> None:
    data = yaml.safe_load(allowlist.ROUTES_FILE.read_text())
    data["routes"].append(entry)
    bad = tmp_path / "routes.yaml"
    bad.write_text(yaml.safe_dump(data))
    plan = edge_rules.plan(edge_rules.module_root(tmp_path / "tf", bad))
    assert plan.returncode != 0 and message in " ".join((plan.stdout + plan.stderr).split()), plan.stderr


def test_too_many_routes_for_a_regex_pattern_set_are_refused_at_plan(tmp_path: Path) -> None:
    data = {"routes": [{"path": f"/v1/{'a' * 180}{i}", "methods": ["PUT"], "why": "x"} for i in range(11)]}
    bad = tmp_path / "routes.yaml"
    bad.write_text(yaml.safe_dump(data))
    plan = edge_rules.plan(edge_rules.module_root(tmp_path / "tf", bad))
    assert plan.returncode != 0 and "at most 10 regexes" in " ".join(plan.stderr.split())


# --- the modules use these values (read from the code; the tftests run them against the real provider in CI) ---


def test_the_gateway_feeds_the_rendered_allowlist_to_waf_and_alb() -> None:
    calls = TfDir.load(MODULES / "gateway").module_calls
    assert unquote(calls["public_routes"]["source"]) == "../public-routes"
    # LiteLLM's groups, plus the key broker's when it is enabled (tests/terraform/test_key_broker.py)
    assert calls["cloudfront"]["public_routes"] == (
        "${concat(module.public_routes.waf_groups, local.broker ? module.broker_routes.waf_groups : [])}"
    )
    litellm = calls["alb"]["targets"]["litellm"]
    assert litellm["public_rules"] == "${module.public_routes.alb_rules}"


def test_waf_blocks_every_path_that_is_not_labelled_public_unless_the_client_is_an_admin() -> None:
    cf = TfDir.load(MODULES / "cloudfront")
    assert "blocked_path_regexes" not in cf.variables, "a blocklist cannot keep up with LiteLLM's releases"
    sets = {n: b for _, t, n, b in cf.resources() if t == "aws_wafv2_regex_pattern_set"}
    assert set(sets) == {"public_routes"}
    assert sets["public_routes"]["for_each"] == "${{for g in var.public_routes : g.name => g}}"
    acl = next(b for _, t, n, b in cf.resources() if t == "aws_wafv2_web_acl")
    rules = {unquote(r["name"]): r for r in acl.get("rule", [])}
    block = rules["block-unlisted-paths"]
    assert "block" in block["action"][0]
    text = str(block["statement"])
    assert "local.public_label" in text and "local.admin_label" in text and text.count("not_statement") == 2
    admin = rules["admin-client"]
    handling = admin["action"][0]["count"][0]["custom_request_handling"][0]["insert_header"][0]
    assert handling["value"] == "${var.admin_header.value}" and handling["name"] == "${var.admin_header.name}"
    forged = rules["block-waf-headers"]["statement"][0]["byte_match_statement"][0]
    assert unquote(forged["search_string"]) == "x-amzn-waf-"
    assert unquote(forged["positional_constraint"]) == "STARTS_WITH"
    priorities = {name: r["priority"] for name, r in rules.items()}
    assert priorities["block-metrics"] < priorities["block-waf-headers"] < priorities["admin-client"]
    assert priorities["admin-client"] < priorities["block-unlisted-paths"] < priorities["rate-limit-per-ip"]
    dynamic = acl["dynamic"][0]['"rule"']
    assert dynamic["for_each"] == "${local.public_route_rules}"
