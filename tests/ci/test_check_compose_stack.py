"""check_compose_stack.py (the CI compose job's observability check) against real VictoriaMetrics and vmalert.

Grafana has no binary on this machine: its part of the checker runs only in the CI compose job.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci.check_compose_stack import expected_dashboard_uids, expected_rule_groups
from support.stack import free_port, http_ok

CHECKER = Path(__file__).parent / "check_compose_stack.py"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def observability(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    for tool in ("victoria-metrics", "vmalert"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is required (tools/bootstrap.sh system)")
    tmp = tmp_path_factory.mktemp("observability")
    vm_port, vmalert_port = free_port(), free_port()
    vm_url, vmalert_url = f"http://127.0.0.1:{vm_port}", f"http://127.0.0.1:{vmalert_port}"
    (tmp / "scrape.yml").write_text(
        f"scrape_configs:\n  - job_name: self\n    scrape_interval: 1s\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{vm_port}']\n"
    )
    # The repository's own alert rules, loaded the way the local stack loads them (Debian's vmalert 1.79 needs a
    # notifier config; docker-compose's newer vmalert uses -notifier.blackhole).
    rules = REPO / "infra" / "grafana" / "alerts"
    procs = [
        subprocess.Popen(
            [
                "victoria-metrics",
                f"-httpListenAddr=127.0.0.1:{vm_port}",
                f"-storageDataPath={tmp / 'data'}",
                f"-promscrape.config={tmp / 'scrape.yml'}",
                "-search.latencyOffset=0s",
                "-loggerLevel=ERROR",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                "vmalert",
                f"-rule={rules / '*.yml'}",
                f"-datasource.url={vm_url}",
                f"-remoteWrite.url={vm_url}",
                f"-remoteRead.url={vm_url}",
                f"-notifier.config={REPO / 'infra' / 'victoriametrics' / 'vmalert-notifier.local.yml'}",
                f"-httpListenAddr=127.0.0.1:{vmalert_port}",
                "-evaluationInterval=1s",
                "-loggerLevel=ERROR",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        deadline = time.monotonic() + 30
        while not (http_ok(f"{vm_url}/health") and http_ok(f"{vmalert_url}/health")):
            assert time.monotonic() < deadline, "VictoriaMetrics / vmalert did not start"
            time.sleep(0.2)
        yield {"vm": vm_url, "vmalert": vmalert_url, "alerts": str(rules), "tmp": str(tmp)}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)


def check(obs: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["--victoriametrics-url", obs["vm"], "--vmalert-url", obs["vmalert"], "--alerts-dir", obs["alerts"]]
    return subprocess.run(
        [sys.executable, str(CHECKER), *args, *extra], capture_output=True, text=True, timeout=120, check=False
    )


def import_gateway_sample(vm_url: str) -> None:
    body = b'llmgw_requests_total{model_group="claude-haiku-4-5",outcome="success"} 3\n'
    req = urllib.request.Request(f"{vm_url}/api/v1/import/prometheus", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 204


def test_fails_until_gateway_metrics_arrive_then_passes(observability: dict[str, str]) -> None:
    before = check(observability, "--timeout", "3", "--json")
    assert before.returncode == 1
    result = json.loads(before.stdout)
    assert result["victoriametrics"]["ok"] is False
    assert "no llmgw_requests_total series" in result["victoriametrics"]["detail"]
    assert result["vmalert"]["ok"] is True

    import_gateway_sample(observability["vm"])
    after = check(observability, "--timeout", "60")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "ok: 1 scrape target(s) up, llmgw_requests_total stored [victoriametrics]" in after.stdout
    groups = expected_rule_groups()
    assert groups, "infra/grafana/alerts has no rule groups"
    assert f"ok: vmalert loaded {len(groups)} rule group(s) [vmalert]" in after.stdout


def test_every_dashboard_has_a_uid_to_look_for() -> None:
    dashboards = sorted((REPO / "infra" / "grafana" / "dashboards").glob("*.json"))
    assert dashboards and len(expected_dashboard_uids()) == len(dashboards)


def test_a_rule_group_vmalert_did_not_load_fails(observability: dict[str, str]) -> None:
    other = Path(observability["tmp"]) / "other-alerts"
    other.mkdir(exist_ok=True)
    (other / "extra.yml").write_text("groups:\n  - name: never-loaded\n    rules: []\n")
    result = check({**observability, "alerts": str(other)}, "--timeout", "2")
    assert result.returncode == 1
    assert "vmalert has not loaded rule groups ['never-loaded']" in result.stdout


def test_grafana_needs_its_password() -> None:
    result = subprocess.run(
        [sys.executable, str(CHECKER), "--victoriametrics-url", "x", "--vmalert-url", "y", "--grafana-url", "z"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2 and "GRAFANA_ADMIN_PASSWORD" in result.stderr
