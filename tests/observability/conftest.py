"""The observability stack under test: the real gateway(s), real VictoriaMetrics scraping them with the scrape
config `make up` renders, real vmalert with the repository's rules, and real client traffic."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from observability import identity_auth, traffic
from observability.livestack import LABEL_SALT, MetricsStack, identity_config
from observability.vmstack import render_scrape_config, run_victoriametrics, run_vmalert
from support.stack import Gateway, MetricsServer, free_port, run_gateway, run_metrics_server

SCRAPE_INTERVAL = "1s"


@pytest.fixture(scope="session")
def identity_gateway(run_dir: Path, emulator_url: str, gateway: Gateway) -> Iterator[Gateway]:
    """A second gateway task with the same master key (one scrape token for both, as on ECS)."""
    config = identity_config(run_dir / "identity-gateway")
    env = {"LLMGW_LABEL_SALT": LABEL_SALT}  # user labels: pseudonyms (the default), with a salt the tests know
    with run_gateway(run_dir, emulator_url, config=config, master_key=gateway.master_key, extra_env=env) as gw:
        yield gw


@pytest.fixture(scope="session")
def metrics_stack(
    tmp_path_factory: pytest.TempPathFactory, gateway: Gateway, identity_gateway: Gateway
) -> Iterator[MetricsStack]:
    run_dir = tmp_path_factory.mktemp("victoriametrics")
    dead_target = f"127.0.0.1:{free_port()}"
    token = secrets.token_urlsafe(32)  # the scrape credential, one for every task (as on ECS)
    with contextlib.ExitStack() as servers:
        metrics = [
            servers.enter_context(run_metrics_server(run_dir, gw, token=token)) for gw in (gateway, identity_gateway)
        ]
        yield from _metrics_stack(run_dir, gateway, identity_gateway, metrics, dead_target, token)


def _metrics_stack(
    run_dir: Path,
    gateway: Gateway,
    identity_gateway: Gateway,
    metrics: list[MetricsServer],
    dead_target: str,
    token: str,
) -> Iterator[MetricsStack]:
    targets = [m.target for m in metrics] + [dead_target]
    render_scrape_config(run_dir / "scrape.yml", targets, SCRAPE_INTERVAL, "test")
    vmalert_port = free_port()
    started = time.time()
    with run_victoriametrics(run_dir, vmalert_port=vmalert_port, metrics_token=token) as vm:
        vm_port = int(vm.url.rsplit(":", 1)[1])
        # -evaluationInterval=1s (appended, so it overrides the Procfile's 15s): alerts react within the test.
        with run_vmalert(run_dir, vm_port, port=vmalert_port, extra_args="-evaluationInterval=1s") as vmalert:
            # Both gateways scraped before the traffic, so the counters' first samples precede it.
            vm.wait_for('sum(up{job="litellm"})', predicate=lambda r: r and float(r[0]["value"][1]) == 2)
            report = traffic.TrafficReport()
            keys = {"alice": identity_auth.ALICE_KEY, "bob": identity_auth.BOB_KEY, "carol": identity_auth.BROKE_KEY}
            for _ in range(2):  # twice: series created in the first round grow in the second
                traffic.identity_traffic(identity_gateway.url, keys, report)
                traffic.master_key_traffic(gateway.url, gateway.master_key, report)
                time.sleep(3 * float(SCRAPE_INTERVAL.removesuffix("s")))
            vm.force_flush()
            yield MetricsStack(vm, vmalert, gateway, identity_gateway, metrics, dead_target, started, report, run_dir)
