"""Real VictoriaMetrics and vmalert for tests, started with the repository's Procfile commands."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from llmgw.paths import REPO
from llmgw.scrape_config import render_targets
from llmgw.stack.procs import procfile_process
from support.stack import Process, base_env, free_port

ALERT_RULES_GLOB = str(REPO / "infra" / "grafana" / "alerts" / "*.yml")


class QueryError(AssertionError):
    """VictoriaMetrics answered a query with an error."""


def http_json(url: str, data: dict[str, str] | None = None, timeout: float = 30) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=timeout) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise QueryError(f"{url} -> HTTP {e.code}: {e.read().decode(errors='replace')[:500]}") from None


def render_scrape_config(out: Path, static_targets: Sequence[str], scrape_interval: str, environment: str) -> None:
    """Render the scrape config exactly as `make up` does (llmgw.scrape_config)."""
    out.write_text(render_targets(static_targets, scrape_interval=scrape_interval, environment=environment))


@dataclass
class VictoriaMetrics:
    url: str
    process: Process

    def query(self, expr: str, at: float | None = None) -> list[dict]:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        answer = http_json(f"{self.url}/api/v1/query", params)
        if answer.get("status") != "success":
            raise QueryError(f"{expr}: {answer}")
        return answer["data"]["result"]

    def query_range(self, expr: str, start: float, end: float, step: str) -> list[dict]:
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": step}
        answer = http_json(f"{self.url}/api/v1/query_range", params)
        if answer.get("status") != "success":
            raise QueryError(f"{expr}: {answer}")
        return answer["data"]["result"]

    def label_values(self, label: str, match: str) -> list[str]:
        query = urllib.parse.urlencode({"match[]": match})
        return http_json(f"{self.url}/api/v1/label/{label}/values?{query}")["data"]

    def force_flush(self) -> None:
        with urllib.request.urlopen(f"{self.url}/internal/force_flush", timeout=30) as r:
            r.read()

    def targets(self) -> list[dict]:
        return http_json(f"{self.url}/api/v1/targets")["data"]["activeTargets"]

    def wait_for(self, expr: str, timeout: float = 60, predicate=bool) -> list[dict]:
        """Poll an instant query until predicate(result) holds; returns the result."""
        deadline = time.monotonic() + timeout
        result: list[dict] = []
        while time.monotonic() < deadline:
            self.force_flush()
            result = self.query(expr)
            if predicate(result):
                return result
            time.sleep(0.5)
        raise AssertionError(f"{expr} did not satisfy the condition within {timeout}s: {result}")


@contextlib.contextmanager
def run_victoriametrics(
    run_dir: Path,
    *,
    port: int | None = None,
    vmalert_port: int | None = None,
    metrics_token: str | None,
    extra_args: str = "",
) -> Iterator[VictoriaMetrics]:
    """The Procfile's `victoriametrics` process; the scrape config must already be at run_dir/scrape.yml.

    metrics_token=None starts it WITHOUT LLMGW_METRICS_TOKEN in its environment."""
    port = port or free_port()
    env = base_env(VM_PORT=str(port), VMALERT_PORT=str(vmalert_port or free_port()), RUN_DIR=str(run_dir))
    env.pop("LLMGW_METRICS_TOKEN", None)
    if metrics_token is not None:
        env["LLMGW_METRICS_TOKEN"] = metrics_token
    with procfile_process("victoriametrics", env, run_dir, port, health_path="/health", timeout=30,
                          extra_args=extra_args) as proc:  # fmt: skip
        yield VictoriaMetrics(url=f"http://127.0.0.1:{port}", process=proc)


@dataclass
class VmAlert:
    url: str
    process: Process

    def rules(self) -> list[dict]:
        groups = http_json(f"{self.url}/api/v1/rules")["data"]["groups"]
        return [rule for group in groups for rule in group["rules"]]

    def alerts(self) -> list[dict]:
        return http_json(f"{self.url}/api/v1/alerts")["data"]["alerts"] or []


@contextlib.contextmanager
def run_vmalert(
    run_dir: Path,
    vm_port: int,
    *,
    port: int | None = None,
    rules: str = ALERT_RULES_GLOB,
    extra_args: str = "",
    extra_env: dict[str, str] | None = None,
) -> Iterator[VmAlert]:
    """The Procfile's `vmalert` process against the VictoriaMetrics on vm_port."""
    port = port or free_port()
    env = base_env(VM_PORT=str(vm_port), VMALERT_PORT=str(port), VMALERT_RULES=rules, RUN_DIR=str(run_dir),
                   **(extra_env or {}))  # fmt: skip
    with procfile_process("vmalert", env, run_dir, port, health_path="/health", timeout=30,
                          extra_args=extra_args) as proc:  # fmt: skip
        yield VmAlert(url=f"http://127.0.0.1:{port}", process=proc)
