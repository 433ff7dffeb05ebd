"""Real VictoriaMetrics (Debian 1.79) scraping the real gateway's metrics server (llmgw_callbacks.metrics_server)
with the rendered configs: the bearer token (the scrape credential, not the master key) comes from its
environment, the ECS rendering discovers tasks by DNS A records, and `make up` scrapes its gateway."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmgw.scrape_config import render_targets
from observability.livestack import MetricsStack
from observability.vmstack import VictoriaMetrics, render_scrape_config, run_victoriametrics
from support.local_stack import LocalStack
from support.stack import Gateway, MetricsServer, run_metrics_server

ECS_DNS_NAMES = ("localhost",)


def litellm_targets(vm: VictoriaMetrics, timeout: float = 30) -> list[dict]:
    """The litellm job's targets once each has been scraped at least once."""
    deadline = time.monotonic() + timeout
    targets: list[dict] = []
    while time.monotonic() < deadline:
        targets = [t for t in vm.targets() if t["labels"].get("job") == "litellm"]
        if targets and all(not t["lastScrape"].startswith(("1970-", "0001-")) for t in targets):  # scraped once
            return targets
        time.sleep(0.5)
    raise AssertionError(f"litellm targets never scraped: {json.dumps(targets)[:2000]}")


def test_token_from_the_environment_is_expanded(metrics_stack: MetricsStack) -> None:
    """The main stack's VictoriaMetrics got LLMGW_METRICS_TOKEN and scrapes /metrics/ successfully ..."""
    up = metrics_stack.vm.query('up{job="litellm"} == 1')
    assert len(up) == 2
    text = (metrics_stack.run_dir / "scrape.yml").read_text()
    assert metrics_stack.metrics_servers[0].token not in text, "the token is never written into the config file"
    assert metrics_stack.gateway.master_key not in metrics_stack.vm.process.env.values(), "the master key stays out"
    assert 'bearer_token: "%{LLMGW_METRICS_TOKEN}"' in text


@pytest.fixture(scope="module")
def metrics_server(run_dir: Path, gateway: Gateway) -> Iterator[MetricsServer]:
    with run_metrics_server(run_dir, gateway) as server:
        yield server


def test_without_the_token_the_scrape_is_refused(metrics_server: MetricsServer, tmp_path: Path) -> None:
    """... and the same config without the variable in VictoriaMetrics' environment gets 401 (up == 0)."""
    render_scrape_config(tmp_path / "scrape.yml", [metrics_server.target], "1s", "test")
    with run_victoriametrics(tmp_path, metrics_token=None) as vm:
        (target,) = litellm_targets(vm)
        assert target["health"] == "down"
        assert "401" in target["lastError"], target["lastError"]
        result = vm.wait_for('up{job="litellm"}')
        assert result[0]["value"][1] == "0"


@pytest.mark.parametrize("which", ["another token", "the master key"])
def test_any_other_token_is_refused(
    metrics_server: MetricsServer, gateway: Gateway, tmp_path: Path, which: str
) -> None:
    """The metrics server takes its token only: not even the master key reads the metrics through it."""
    render_scrape_config(tmp_path / "scrape.yml", [metrics_server.target], "1s", "test")
    token = gateway.master_key if which == "the master key" else "not-the-metrics-token-0123456789abcdefgh"
    with run_victoriametrics(tmp_path, metrics_token=token) as vm:
        (target,) = litellm_targets(vm)
        assert target["health"] == "down" and "401" in target["lastError"], target


def test_ecs_rendering_discovers_tasks_by_dns_a_records(metrics_server: MetricsServer, tmp_path: Path) -> None:
    """The ECS rendering (dns_sd_configs type A) resolves a name to one target per address and scrapes each one
    directly. `localhost` stands in for the Cloud Map name: its A record is 127.0.0.1, where the task's metrics
    server listens."""
    port = metrics_server.url.rsplit(":", 1)[1]
    config = render_targets(dns_sd_names=ECS_DNS_NAMES, dns_sd_port=int(port), scrape_interval="1s",
                            environment="ecs-test")  # fmt: skip
    (tmp_path / "scrape.yml").write_text(config)
    with run_victoriametrics(tmp_path, metrics_token=metrics_server.token) as vm:
        (target,) = litellm_targets(vm)
        assert target["discoveredLabels"]["__meta_dns_name"] == "localhost"
        assert target["labels"]["instance"] == f"127.0.0.1:{port}"
        assert target["health"] == "up", target
        series = vm.wait_for('llmgw_label_overflow_total{environment="ecs-test"}')
        assert {r["metric"]["instance"] for r in series} == {f"127.0.0.1:{port}"}


@pytest.mark.slow
def test_make_up_scrapes_its_gateway_and_loads_the_alerts(local_stack: LocalStack) -> None:
    """`make up` (scripts/local_stack.py + Procfile): VictoriaMetrics scrapes the local gateway's metrics server
    with the scrape token of .run/metrics_token, itself and vmalert; vmalert runs every rule of infra/grafana/alerts
    and VictoriaMetrics proxies its API."""
    assert local_stack.victoriametrics_url and local_stack.vmalert_url
    vm = VictoriaMetrics(local_stack.victoriametrics_url, process=None)  # type: ignore[arg-type]
    result = vm.wait_for("up", timeout=60, predicate=lambda r: len(r) == 3 and all(x["value"][1] == "1" for x in r))
    assert {r["metric"]["job"] for r in result} == {"litellm", "victoriametrics", "vmalert"}
    assert {r["metric"]["environment"] for r in result} == {"local"}
    from observability.vmstack import http_json

    groups = http_json(f"{local_stack.vmalert_url}/api/v1/rules")["data"]["groups"]
    loaded = {rule["name"] for group in groups for rule in group["rules"]}
    from observability.test_alerts import REQUIRED_ALERTS

    assert loaded >= REQUIRED_ALERTS
    proxied = http_json(f"{local_stack.victoriametrics_url}/api/v1/rules")["data"]["groups"]
    assert {g["name"] for g in proxied} == {g["name"] for g in groups}  # what Grafana's alerting UI reads
