"""Alerts reach a person: a real alert of infra/grafana/alerts fires in real vmalert, goes to real Alertmanager
(Debian's prometheus-alertmanager, with the repository's infra/alertmanager/alertmanager.yml as `make up` renders
it) and arrives at a webhook receiver, with the runbook link as an absolute URL. Before, vmalert ran with no
notifier locally and -notifier.blackhole in compose and on ECS: eight tested alerts woke nobody.

LLMGatewayNoHealthyTarget fires after `for: 2m` when no LiteLLM target is scraped (VictoriaMetrics scrapes none
here), so the test takes about three minutes, mostly waiting.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from llmgw.paths import REPO
from llmgw.stack import alerting
from llmgw.stack.procs import base_env, free_port, procfile_process
from observability.vmstack import run_victoriametrics, run_vmalert

pytestmark = pytest.mark.slow
RUNBOOKS = "https://github.com/example-org/llm-gateway/blob/main/docs/runbooks"


class Receiver(ThreadingHTTPServer):
    """A webhook endpoint that keeps every payload it is sent."""

    def __init__(self) -> None:
        self.payloads: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.payloads.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/alerts"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_the_repository_alertmanager_configs_are_valid(tmp_path: Path) -> None:
    rendered = tmp_path / "alertmanager.yml"
    rendered.write_text(alerting.alertmanager_config(["https://hooks.example.com/llm-gateway"]))
    for config in (alerting.ALERTMANAGER_CONFIG, rendered):
        check = subprocess.run(["amtool", "check-config", str(config)], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
    with pytest.raises(ValueError, match="must start with http"):
        alerting.alertmanager_config(["hooks.example.com"])


def test_a_firing_alert_reaches_the_webhook_with_an_absolute_runbook_link(tmp_path: Path, receiver: Receiver) -> None:
    am_port = free_port()
    alerting.write_configs(tmp_path, am_port, [receiver.url])
    (tmp_path / "scrape.yml").write_text("scrape_configs: []\n")  # no gateway target: LLMGatewayNoHealthyTarget
    am_env = base_env(RUN_DIR=str(tmp_path), ALERTMANAGER_PORT=str(am_port),
                      ALERTMANAGER_BIN=str(alerting.alertmanager_binary()))  # fmt: skip
    vmalert_env = {"VMALERT_NOTIFIER_CONFIG": str(tmp_path / "vmalert-notifier.yml"), "RUNBOOK_BASE_URL": RUNBOOKS}
    with (
        procfile_process("alertmanager", am_env, tmp_path, am_port, health_path="/-/ready", timeout=30),
        run_victoriametrics(tmp_path, metrics_token=None) as vm,
        run_vmalert(
            tmp_path, int(vm.url.rsplit(":", 1)[1]), extra_env=vmalert_env, extra_args="-evaluationInterval=5s"
        ) as vmalert,  # fmt: skip
    ):
        deadline = time.monotonic() + 240
        firing: list[dict] = []
        while time.monotonic() < deadline and not firing:
            time.sleep(2)
            alerts = [a for p in receiver.payloads for a in p["alerts"]]
            firing = [a for a in alerts if a["labels"]["alertname"] == "LLMGatewayNoHealthyTarget"
                      and a["status"] == "firing"]  # fmt: skip
        assert firing, f"no notification within 240 s; vmalert: {vmalert.alerts()}; got {receiver.payloads}"
        payload = next(p for p in receiver.payloads if firing[0] in p["alerts"])
        alert = firing[0]
        assert payload["receiver"] == "on-call" and payload["status"] == "firing"
        assert payload["externalURL"] == f"http://127.0.0.1:{am_port}"
        assert alert["labels"]["severity"] == "critical"
        assert alert["annotations"]["summary"] == "No healthy LiteLLM gateway target"
        assert alert["annotations"]["runbook_url"] == f"{RUNBOOKS}/LLMGatewayNoHealthyTarget.md"
        assert (REPO / "docs" / "runbooks" / "LLMGatewayNoHealthyTarget.md").is_file()
        assert alert["generatorURL"].startswith(vmalert.url), alert["generatorURL"]
        # Alertmanager also shows it (what on-call opens from the notification)
        shown = httpx.get(f"http://127.0.0.1:{am_port}/api/v2/alerts", timeout=10).json()
        assert any(a["labels"]["alertname"] == "LLMGatewayNoHealthyTarget" for a in shown)
