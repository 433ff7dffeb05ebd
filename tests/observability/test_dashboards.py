"""Grafana provisioning and dashboards, checked structurally (Grafana itself cannot run on this machine)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from llmgw.dashboards.generate import dashboard_files
from llmgw.paths import CONFIG, REPO
from observability.dashboards import (
    DASHBOARD_DIR,
    GLOBAL_VARIABLES,
    GRAFANA,
    MIDDLEWARE_SERIES,
    configured_exporter_metrics,
    litellm_series_in,
    load_dashboards,
    panel_queries,
    query_panels,
    used_variables,
    variable_names,
)

SCHEMAS = Path(__file__).parent / "schemas"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "victoriametrics.yml"
PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "dashboards.yml"
GENERATOR = REPO / "tools" / "generate_dashboards.py"
EXPECTED = {
    "llmgw-usage": "usage overview",
    "llmgw-cost": "cost and budgets",
    "llmgw-latency-errors": "latency and errors",
    "llmgw-health": "gateway health",
}
VARIABLES = {"model", "team", "user"}


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def provisioned_datasource() -> dict:
    (datasource,) = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    return datasource


# --- Provisioning files against Grafana's documented format ---------------------------------------------------


def test_datasource_provisioning_matches_grafanas_format() -> None:
    jsonschema.validate(yaml.safe_load(DATASOURCES.read_text()), schema("grafana-datasources.schema.json"))
    datasource = provisioned_datasource()
    assert datasource["type"] == "prometheus"  # VictoriaMetrics speaks the Prometheus API
    assert datasource["uid"] == "victoriametrics"
    assert datasource["url"] == "$VICTORIAMETRICS_URL"  # from Grafana's environment (compose, ECS)
    assert datasource["access"] == "proxy"


def test_dashboard_provider_provisioning_matches_grafanas_format() -> None:
    spec = yaml.safe_load(PROVIDERS.read_text())
    jsonschema.validate(spec, schema("grafana-dashboard-providers.schema.json"))
    (provider,) = spec["providers"]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    assert provider["allowUiUpdates"] is False


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("grafana-datasources.schema.json", {"apiVersion": 1, "datasources": [{"name": "x", "type": "prometheus"}]}),
        ("grafana-datasources.schema.json", {"apiVersion": 2, "datasources": [{"name": "x", "type": "p",
                                                                               "access": "proxy"}]}),
        ("grafana-datasources.schema.json", {"apiVersion": 1, "datasources": [{"name": "x", "type": "p",
                                                                               "access": "server"}]}),
        ("grafana-datasources.schema.json", {"apiVersion": 1, "datasources": [{"name": "x", "type": "p",
                                                                               "access": "proxy", "urll": "x"}]}),
        ("grafana-dashboard-providers.schema.json", {"apiVersion": 1, "providers": [{"name": "x", "options": {}}]}),
        ("grafana-dashboard-providers.schema.json", {"apiVersion": 1, "providers": [
            {"name": "x", "folder": "F", "options": {"path": "/d", "foldersFromFilesStructure": True}}]}),
    ],
)  # fmt: skip
def test_provisioning_schemas_reject_invalid_files(name: str, document: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema(name))


def test_docker_compose_mounts_match_the_provisioning() -> None:
    """Grafana in infra/docker-compose.yml reads the provisioning and the dashboards where these files say."""
    grafana = yaml.safe_load((REPO / "infra" / "docker-compose.yml").read_text())["services"]["grafana"]
    mounts = {Path(m["source"]).as_posix(): m["target"] for m in grafana["volumes"] if isinstance(m, dict)}
    assert mounts.get("grafana/provisioning") == "/etc/grafana/provisioning"
    provider_path = yaml.safe_load(PROVIDERS.read_text())["providers"][0]["options"]["path"]
    assert mounts.get("grafana/dashboards") == provider_path
    assert "VICTORIAMETRICS_URL" in grafana["environment"]


# --- Generated dashboards -------------------------------------------------------------------------------------


def test_committed_dashboards_are_generated_and_up_to_date() -> None:
    r = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_regenerated_dashboards_equal_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    """All four dashboards (one module each in src/llmgw/dashboards), written by the CLI and built in-process, are
    the committed files to the byte."""
    committed = {path.name: path.read_bytes() for path in DASHBOARD_DIR.glob("*.json")}
    assert set(committed) == {"usage.json", "cost.json", "latency-errors.json", "health.json"}
    out = tmp_path / "dashboards"
    r = subprocess.run([sys.executable, str(GENERATOR), "--out-dir", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    written = {path.name: path.read_bytes() for path in out.glob("*.json")}
    built = {name: text.encode() for name, text in dashboard_files().items()}
    for generated in (written, built):
        assert set(generated) == set(committed)
        assert [name for name in committed if generated[name] != committed[name]] == []


def test_generator_check_detects_a_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "dashboards"
    r = subprocess.run([sys.executable, str(GENERATOR), "--out-dir", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    first = sorted(out.glob("*.json"))[0]
    first.write_text(first.read_text().replace('"refresh": "1m"', '"refresh": "5s"'))
    r = subprocess.run([sys.executable, str(GENERATOR), "--check", "--out-dir", str(out)], capture_output=True,
                       text=True)  # fmt: skip
    assert r.returncode == 1
    assert first.name in r.stderr


def test_generator_uses_the_grafana_11_sdk_build() -> None:
    from importlib import metadata

    assert metadata.version("grafana-foundation-sdk") == "1769699379!11.6.0"
    pins = dict(line.split("==", 1) for line in (REPO / "requirements.lock").read_text().splitlines() if "==" in line)
    pins = {re.sub(r"[-_.]+", "-", name.lower()): version for name, version in pins.items()}
    assert pins["grafana-foundation-sdk"] == "1769699379!11.6.0"


@pytest.fixture(scope="module")
def dashboards() -> dict[str, dict]:
    return load_dashboards()


def test_the_four_dashboards_exist_with_stable_unique_uids(dashboards: dict[str, dict]) -> None:
    uids = [d["uid"] for d in dashboards.values()]
    assert len(uids) == len(set(uids))
    assert set(uids) == set(EXPECTED)
    for name, d in dashboards.items():
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", d["uid"])
        assert name == d["uid"].removeprefix("llmgw-") + ".json"
        assert d["schemaVersion"] >= 39
        assert d.get("id") is None, "provisioned dashboards carry no numeric id"
        assert d["title"] and d["description"]
    assert len({d["title"] for d in dashboards.values()}) == len(dashboards)


def test_every_datasource_reference_resolves_to_the_provisioned_uid(dashboards: dict[str, dict]) -> None:
    provisioned = {"type": provisioned_datasource()["type"], "uid": provisioned_datasource()["uid"]}
    for d in dashboards.values():
        for v in d["templating"]["list"]:
            assert v["datasource"] == provisioned, (d["uid"], v["name"])
        for panel in query_panels(d):
            assert panel["datasource"] == provisioned, (d["uid"], panel["title"])
            for target in panel["targets"]:
                assert target["datasource"] == provisioned, (d["uid"], panel["title"], target["refId"])


def test_every_panel_has_a_title_description_unit_and_queries(dashboards: dict[str, dict]) -> None:
    for d in dashboards.values():
        titles = [p["title"] for p in query_panels(d)]
        assert len(titles) == len(set(titles)), f"{d['uid']}: duplicate panel titles"
        ids = [p["id"] for p in d["panels"]]
        assert len(ids) == len(set(ids)), f"{d['uid']}: duplicate panel ids"
        for panel in query_panels(d):
            where = f"{d['uid']} / {panel.get('title')}"
            assert panel.get("title"), where
            assert len(panel.get("description", "")) > 20, where
            assert panel["fieldConfig"]["defaults"].get("unit"), where
            assert panel["targets"], where
            refs = [t["refId"] for t in panel["targets"]]
            assert len(refs) == len(set(refs)) and all(refs), where
            assert all(t["expr"].strip() for t in panel["targets"]), where


def test_panels_fit_the_grid_without_overlapping(dashboards: dict[str, dict]) -> None:
    for d in dashboards.values():
        taken: dict[tuple[int, int], str] = {}
        for panel in d["panels"]:
            pos = panel["gridPos"]
            assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24 and pos["h"] > 0, (d["uid"], panel["title"])
            for x in range(pos["x"], pos["x"] + pos["w"]):
                for y in range(pos["y"], pos["y"] + pos["h"]):
                    assert (x, y) not in taken, f"{d['uid']}: {panel['title']} overlaps {taken[(x, y)]}"
                    taken[(x, y)] = panel["title"]


def test_template_variables_model_team_user(dashboards: dict[str, dict]) -> None:
    for d in dashboards.values():
        variables = {v["name"]: v for v in d["templating"]["list"]}
        assert set(variables) == VARIABLES
        for v in variables.values():
            assert v["type"] == "query" and v["query"].startswith("label_values(")
            assert v["multi"] and v["includeAll"] and v["allValue"] == ".*", v["name"]
            assert v["current"]["value"] == "$__all"


def test_every_variable_used_is_defined(dashboards: dict[str, dict]) -> None:
    known = set(GLOBAL_VARIABLES)
    for d in dashboards.values():
        defined = variable_names(d) | known
        texts = [v["query"] for v in d["templating"]["list"]]
        for panel in query_panels(d):
            texts += [panel["title"], panel.get("description", "")]
            texts += [t["expr"] for t in panel["targets"]]
            texts += [t.get("legendFormat", "") for t in panel["targets"]]
        for text in texts:
            assert used_variables(text) <= defined, f"{d['uid']}: undefined {used_variables(text) - defined} in {text}"
        used = set().union(*(used_variables(text) for text in texts))
        assert used >= VARIABLES, f"{d['uid']} defines variables it never uses: {VARIABLES - used}"


def test_relative_time_overrides_are_valid(dashboards: dict[str, dict]) -> None:
    for d in dashboards.values():
        for panel in query_panels(d):
            if "timeFrom" in panel:
                assert re.fullmatch(r"now/[dwMy]|\d+[smhdwMy]", panel["timeFrom"]), panel["timeFrom"]


def test_docs_describe_every_dashboard() -> None:
    text = (REPO / "docs" / "observability.md").read_text()
    for d in load_dashboards(DASHBOARD_DIR).values():
        assert d["uid"] in text and d["title"] in text
    assert "docker compose -f infra/docker-compose.yml --profile offline up" in text


def callback_series_names() -> set[str]:
    """Every series name our callback and the key broker can export (fresh registries: counters end in _total, as
    exposed)."""
    from prometheus_client import CollectorRegistry

    from llmgw.broker.metrics import BrokerMetrics
    from llmgw_callbacks.metrics import Metrics
    from llmgw_callbacks.settings import Settings

    registry = CollectorRegistry()
    Metrics(Settings(), registry=registry)
    names = set()
    for family in [*registry.collect(), *BrokerMetrics().registry.collect()]:  # the key broker's own registry
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(family.type, [""])
        names.update(family.name + suffix for suffix in suffixes)
    return names


def test_every_llmgw_series_a_panel_reads_is_exported_by_the_callback(dashboards: dict[str, dict]) -> None:
    """Panels that fall back to vector(0) (a series that exists only after an event, such as callback errors)
    would hide a misspelt metric from the live test: every llmgw_* name must be one the callback defines."""
    exported = callback_series_names()
    used = {name for q in panel_queries(dashboards) for name in re.findall(r"\bllmgw_[a-z0-9_]+", q.expr)}
    assert "llmgw_callback_errors_total" in used
    assert used - exported == set(), f"not exported by callbacks/llmgw_callbacks: {sorted(used - exported)}"


def test_the_exporter_keeps_exactly_the_series_the_dashboards_alerts_and_runbooks_read() -> None:
    """The tuned profile restricts LiteLLM's built-in exporter to what something reads
    (litellm_settings.prometheus_metrics_config, docs/performance/tuning.md): a panel, rule or runbook that reads
    a series outside the list would go dead; a listed series nothing reads is per-request work for nobody."""
    texts = [p.read_text() for p in sorted(DASHBOARD_DIR.glob("*.json"))]
    texts += [p.read_text() for p in sorted((GRAFANA / "alerts").glob("*.yml"))]
    texts += [p.read_text() for p in sorted((REPO / "docs" / "runbooks").glob("*.md"))]
    read = set().union(*(litellm_series_in(text) for text in texts)) - MIDDLEWARE_SERIES
    assert "prometheus" in yaml.safe_load(CONFIG.read_text())["litellm_settings"]["callbacks"]
    listed = configured_exporter_metrics()
    assert listed, "litellm_settings.prometheus_metrics_config is missing: the exporter updates all its series"
    assert len(listed) == len(set(listed)), listed
    assert set(listed) == read, {"read, not exported": read - set(listed), "exported, never read": set(listed) - read}


def test_series_names_are_found_in_queries() -> None:
    defined = frozenset({"litellm_deployment_successful_fallbacks", "litellm_deployment_failed_fallbacks",
                         "litellm_proxy_total_requests_metric", "litellm_request_total_latency_metric"})  # fmt: skip
    text = (
        'rate({__name__=~"litellm_deployment_(successful|failed)_fallbacks_total"}[5m]) / '
        "sum(litellm_proxy_total_requests_metric_total) by (litellm_model_name) "
        "histogram_quantile(0.5, litellm_request_total_latency_metric_bucket)"
    )
    assert litellm_series_in(text, defined) == defined
