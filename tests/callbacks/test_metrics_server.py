"""The scraper's endpoint (llmgw_callbacks.metrics_server) beside the real gateway: the same metrics LiteLLM's own
/metrics/ serves, read from the same multiprocess directory, behind a token of its own. Before it, VictoriaMetrics
scraped LiteLLM's /metrics/ with the master key."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from support.stack import Gateway, MetricsServer, base_env, run_metrics_server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server(run_dir: Path, gateway: Gateway) -> Iterator[MetricsServer]:
    with run_metrics_server(run_dir, gateway) as s:
        yield s


def families(text: str) -> dict[str, set[tuple]]:
    """Sample identities (name and labels) per metric family; values move between two scrapes."""
    return {
        f.name: {(s.name, tuple(sorted(s.labels.items()))) for s in f.samples}
        for f in text_string_to_metric_families(text)
    }


def test_it_serves_what_litellms_own_endpoint_serves(server: MetricsServer, gateway: Gateway, claude) -> None:
    claude.messages.create(model="claude-haiku-5-5", max_tokens=20, messages=[{"role": "user", "content": "hi"}])
    # the callbacks record after the response: read both until two rounds agree
    deadline, ours, litellms = time.monotonic() + 20, {}, {"": set()}
    while time.monotonic() < deadline:
        litellms = families(gateway.metrics_text())
        ours = families(server.metrics_text())
        if ours == litellms == families(gateway.metrics_text()):
            break
        time.sleep(0.5)
    assert any(name.startswith("llmgw_") for name in ours)
    assert ours.keys() == litellms.keys()
    assert {k: v for k, v in ours.items() if k.startswith("llmgw_requests")} == {
        k: v for k, v in litellms.items() if k.startswith("llmgw_requests")
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-0123456789abcdefghijklmnop"}, {"Authorization": "Basic eDp5"}],
    ids=["no token", "wrong token", "basic auth"],
)
def test_without_its_token_nothing_is_served(server: MetricsServer, headers: dict[str, str]) -> None:
    for path in ("/metrics/", "/metrics", "/anything"):
        response = httpx.get(server.url + path, headers=headers, timeout=10, follow_redirects=False)
        assert response.status_code == 401, (path, response.status_code)
        assert "llmgw_" not in response.text


def test_the_master_key_is_not_its_token(server: MetricsServer, gateway: Gateway) -> None:
    response = httpx.get(f"{server.url}/metrics/", headers=gateway.auth, timeout=10)
    assert response.status_code == 401


def test_health_answers_without_a_token(server: MetricsServer) -> None:
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "set LLMGW_METRICS_TOKEN"),
        ({"LLMGW_METRICS_TOKEN": "short"}, "is 5 characters; use 32 or more"),
        ({"LLMGW_METRICS_TOKEN_FILE": "/nonexistent/token"}, "LLMGW_METRICS_TOKEN_FILE=/nonexistent/token"),
        ({"LLMGW_METRICS_TOKEN": "x" * 40, "PROMETHEUS_MULTIPROC_DIR": "/nonexistent"}, "PROMETHEUS_MULTIPROC_DIR"),
    ],
    ids=["no token", "weak token", "unreadable token file", "no multiproc dir"],
)
def test_it_refuses_to_start_without_what_it_needs(env: dict[str, str], message: str, tmp_path: Path) -> None:
    full = base_env(**{"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), **env})
    for name in ("LLMGW_METRICS_TOKEN", "LLMGW_METRICS_TOKEN_FILE"):
        if name not in env:
            full.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "llmgw_callbacks.metrics_server", "--port", "1"],
        env=full, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and done.stderr.startswith("error: "), done.stderr
