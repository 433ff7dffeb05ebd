"""Alert rules: promtool and vmalert validate them, promtool unit tests show each alert firing and staying silent,
every alert has a runbook with working diagnosis queries, and real vmalert evaluates them against real data."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from llmgw.paths import REPO
from observability.livestack import ALICE, MetricsStack

ALERTS_DIR = REPO / "infra" / "grafana" / "alerts"
RULE_FILES = sorted(ALERTS_DIR.glob("*.yml"))
PROMTOOL_TESTS = sorted((Path(__file__).parent / "promtool").glob("*.test.yml"))
RUNBOOKS = REPO / "docs" / "runbooks"
REQUIRED_ALERTS = {
    "LLMGatewayHighErrorRate",  # high error rate
    "LLMGatewayHighP95Latency",  # high p95 latency
    "BedrockThrottling",  # Bedrock throttling
    "LLMGatewayFallbacksSpiking",  # fallbacks spiking
    "LLMBudgetNearExhaustion",  # budget near exhaustion
    "LLMGatewayNoHealthyTarget",  # no healthy gateway target
    "ScrapeTargetDown",  # scrape target down
    "LLMSpendAnomaly",  # spend anomaly
    "LLMCacheHitRatioCollapsed",  # prompt-cache hit ratio collapse (a broken cache multiplies a team's bill)
    "LLMBrokerUpstreamDown",  # the key broker's STS / IdP / admin API unavailable (503 refusals)
}
PROMQL_BLOCK = re.compile(r"```promql\n(.*?)```", re.DOTALL)


def rules() -> list[dict]:
    found = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            found.extend(group["rules"])
    return found


def alerts() -> dict[str, dict]:
    return {rule["alert"]: rule for rule in rules() if "alert" in rule}


def runbook_queries(name: str) -> list[str]:
    return [q.strip() for q in PROMQL_BLOCK.findall((RUNBOOKS / f"{name}.md").read_text())]


def test_rule_files_exist_and_cover_the_required_alerts() -> None:
    assert RULE_FILES, "no rule files in infra/grafana/alerts"
    assert set(alerts()) == REQUIRED_ALERTS


def test_promtool_check_rules() -> None:
    r = subprocess.run(["promtool", "check", "rules", *map(str, RULE_FILES)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("SUCCESS") == len(RULE_FILES)


def test_promtool_unit_tests() -> None:
    r = subprocess.run(
        ["promtool", "test", "rules", *map(str, PROMTOOL_TESTS)], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("SUCCESS") == len(PROMTOOL_TESTS), r.stdout


def test_promtool_unit_tests_have_teeth(tmp_path: Path) -> None:
    """A wrong expectation fails: promtool really compares firing alerts, labels and annotations."""
    source = PROMTOOL_TESTS[0]
    broken = tmp_path / source.name
    text = source.read_text().replace("../../../infra", str(REPO / "infra"))
    broken.write_text(text.replace('summary: "No healthy LiteLLM gateway target"', 'summary: "something else"', 1))
    r = subprocess.run(["promtool", "test", "rules", str(broken)], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "FAILED" in r.stdout + r.stderr


def test_every_alert_has_firing_and_silent_unit_tests() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for path in PROMTOOL_TESTS:
        spec = yaml.safe_load(path.read_text())
        for case in spec["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    assert firing >= REQUIRED_ALERTS, f"no firing test for {REQUIRED_ALERTS - firing}"
    assert silent >= REQUIRED_ALERTS, f"no silent test for {REQUIRED_ALERTS - silent}"


def test_vmalert_dry_run_accepts_the_rules() -> None:
    r = subprocess.run(
        ["vmalert", "-dryRun", f"-rule={ALERTS_DIR}/*.yml", "-loggerLevel=ERROR"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr[-3000:]


def test_vmalert_dry_run_has_teeth(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(up[5m])\n")
    r = subprocess.run(["vmalert", "-dryRun", f"-rule={bad}", "-loggerLevel=ERROR"], capture_output=True, text=True)
    assert r.returncode != 0


@pytest.mark.parametrize("name", sorted(REQUIRED_ALERTS))
def test_alert_metadata(name: str) -> None:
    rule = alerts()[name]
    assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    annotations = rule["annotations"]
    assert annotations["summary"] and annotations["description"]
    # an absolute link: vmalert's external label runbook_base_url + the runbook's file name
    assert annotations["runbook_url"] == "{{ $externalLabels.runbook_base_url }}" + f"/{name}.md"
    assert (RUNBOOKS / f"{name}.md").is_file()
    assert re.fullmatch(r"/d/llmgw-[a-z-]+", annotations["dashboard"])
    uids = {p.stem for p in (REPO / "infra" / "grafana" / "dashboards").glob("*.json")}
    assert annotations["dashboard"].removeprefix("/d/llmgw-") in uids


@pytest.mark.parametrize("name", sorted(REQUIRED_ALERTS))
def test_runbook_starts_from_the_alert_and_has_diagnosis_and_fixes(name: str) -> None:
    path = RUNBOOKS / f"{name}.md"
    assert path.is_file(), f"missing runbook {path}"
    text = path.read_text()
    assert text.startswith(f"# {name}\n"), "a runbook starts with the alert's name"
    head = text.split("## Diagnosis", 1)[0]
    assert "Fires when:" in head and "Severity:" in head, "the runbook first says what fired"
    assert "## Diagnosis" in text and "## Fixes" in text
    assert len(runbook_queries(name)) >= 2, "diagnosis lists PromQL queries"


def test_runbook_queries_are_valid_promql(tmp_path: Path) -> None:
    """promtool parses every diagnosis query (as a recording rule), so a runbook cannot carry a typo."""
    records = [
        {"record": f"runbook:{name}:{i}", "expr": query}
        for name in sorted(REQUIRED_ALERTS)
        for i, query in enumerate(runbook_queries(name))
    ]
    path = tmp_path / "runbook-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "runbooks", "rules": records}]}))
    r = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_runbook_queries_run_against_victoriametrics(metrics_stack: MetricsStack) -> None:
    for name in sorted(REQUIRED_ALERTS):
        for query in runbook_queries(name):
            metrics_stack.vm.query(query)  # raises on an error answer


def vmalert_rules_evaluated(stack: MetricsStack) -> list[dict]:
    deadline = time.monotonic() + 60
    while True:
        evaluated = stack.vmalert.rules()
        if all(not r.get("lastEvaluation", "").startswith("0001") for r in evaluated) or time.monotonic() > deadline:
            return evaluated
        time.sleep(0.5)


def test_live_vmalert_evaluates_every_rule_without_error(metrics_stack: MetricsStack) -> None:
    evaluated = vmalert_rules_evaluated(metrics_stack)
    names = {r["name"] for r in evaluated}
    assert names == {r.get("alert") or r.get("record") for r in rules()}
    for rule in evaluated:
        assert rule["health"] == "ok" and not rule.get("lastError"), rule
        assert not rule["lastEvaluation"].startswith("0001"), f"{rule['name']} was never evaluated"


def test_live_alerts_react_to_the_traffic(metrics_stack: MetricsStack) -> None:
    """The traffic throttled opus (absorbed by fallbacks and not), alice is at 94 % of her user budget, and one
    scrape target is dead: those alerts go pending; nothing says the gateway is gone or spend is anomalous."""
    expected = {
        ("ScrapeTargetDown", "instance", metrics_stack.dead_target),
        ("LLMBudgetNearExhaustion", "name", ALICE),
        ("BedrockThrottling", "model_group", "claude-opus-4-5"),
        ("LLMGatewayFallbacksSpiking", "requested_model", "claude-opus-4-5"),
    }
    deadline = time.monotonic() + 60
    active: list[dict] = []
    while time.monotonic() < deadline:
        active = metrics_stack.vmalert.alerts()
        seen = {(a["name"], label, a["labels"].get(label)) for a in active for (_, label, _) in expected}
        if expected <= seen:
            break
        time.sleep(1)
    seen = {(a["name"], label, a["labels"].get(label)) for a in active for (_, label, _) in expected}
    assert expected <= seen, f"missing {expected - seen}; active: {[(a['name'], a['labels']) for a in active]}"
    names = {a["name"] for a in active}
    assert "LLMGatewayNoHealthyTarget" not in names
    assert "LLMSpendAnomaly" not in names
    for alert in active:
        assert alert["state"] in {"pending", "firing"}
        # the Procfile's default base: this checkout's runbooks as file:// URLs
        assert alert["annotations"]["runbook_url"] == f"file://{REPO}/docs/runbooks/{alert['name']}.md"
    # vmalert writes the alert states back to VictoriaMetrics (what Grafana's alert panels read).
    written = metrics_stack.vm.wait_for('ALERTS{alertname="LLMBudgetNearExhaustion"}', timeout=30)
    assert written[0]["metric"]["alertstate"] in {"pending", "firing"}
