"""smoke_test.py against the real local stack (honcho: emulator, LiteLLM, VictoriaMetrics, vmalert), behind a
stand-in for the CloudFront/WAF edge, and against gateways with one broken piece: every failure names its check.

Extra LiteLLM processes cost ~10 s of CPU each: only the Bedrock-down and the public-/metrics gateways are started
here; everything else reuses the session's local stack.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmgw.admin import smoke
from llmgw.edge.edge_rules import EdgeRules, rendered_rules
from llmgw.paths import CONFIG
from scripts.conftest import Result, clean_env, run_script
from support.local_stack import LocalStack
from support.stack import free_port, run_gateway

CHECKS = [
    "health", "models", "chat_completion", "chat_completion_stream", "messages", "messages_stream", "count_tokens",
    "metrics_visible", "admin_routes", "metrics_not_public",
]  # fmt: skip
MODEL_CHECKS = set(smoke.MODEL_CHECKS)
NEVER_RISES = 'sum(llmgw_requests_total{model_group="no-such-model-group"})'


# --- running the script --------------------------------------------------------------------------------------------


def run_smoke(url: str, key: str, *args: str, key_env: str = "LITELLM_API_KEY", timeout: float = 240) -> Result:
    result = run_script("smoke_test.py", url, "--timeout", "30", *args, env=clean_env(**{key_env: key}),
                        timeout=timeout)  # fmt: skip
    assert key not in result.output, "the key must never be printed"
    return result


def run_json(url: str, key: str, *args: str, **kwargs: Any) -> tuple[Result, dict[str, Any]]:
    result = run_smoke(url, key, "--json", *args, **kwargs)
    return result, json.loads(result.stdout)


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


def failed(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["detail"] for c in report["checks"] if c["status"] == "failed"}


def assert_failed_exactly(result: Result, report: dict[str, Any], names: list[str]) -> None:
    """Exit 1, these checks (in check order) failed and nothing else, and stderr names them."""
    assert result.returncode == 1, result.output
    assert [c["name"] for c in report["checks"]] == CHECKS
    assert [n for n in CHECKS if n in failed(report)] == names, report
    assert result.stderr == f"error: smoke test failed: {', '.join(names)}\n"
    assert report["passed"] is False and report["counts"]["failed"] == len(names)


# --- the edge: the WAF rules of infra/terraform/modules/cloudfront --------------------------------------------------


WAF_BLOCK_PAGE = (
    b"<html><head><title>403 Forbidden</title></head><body><h1>403 ERROR</h1>Request blocked.</body></html>"
)


@dataclass
class Edge:
    """CloudFront + WAF in miniature: 403 with an HTML page for what the rules block (the gateway never sees
    those requests), everything else forwarded to the gateway and streamed back as it arrives."""

    upstream: str
    rules: EdgeRules
    blocked: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    url: str = ""

    @contextlib.contextmanager
    def serve(self) -> Iterator[Edge]:
        edge = self
        target = urllib.parse.urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the body ends when the connection closes: fine for streams

            def handle_request(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                if not edge.rules.waf_allows(self.command, path, dict(self.headers)):
                    edge.blocked.append(path)
                    self.send_response(403)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(WAF_BLOCK_PAGE)))
                    self.send_header("Server", "CloudFront")
                    self.end_headers()
                    self.wfile.write(WAF_BLOCK_PAGE)
                    return
                edge.forwarded.append(path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    self.send_response(resp.status)
                    for name, value in resp.getheaders():
                        if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                            self.send_header(name, value)
                    self.end_headers()
                    while chunk := resp.read1(65536):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                finally:
                    conn.close()

            do_GET = do_POST = handle_request

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)


# --- against the local stack ---------------------------------------------------------------------------------------


def test_passes_against_the_local_stack_with_reports(local_stack: LocalStack, tmp_path: Path) -> None:
    assert local_stack.victoriametrics_url is not None
    json_path, junit_path = tmp_path / "reports" / "smoke.json", tmp_path / "reports" / "smoke.xml"
    result, report = run_json(
        local_stack.gateway_url, local_stack.master_key,
        "--victoriametrics-url", local_stack.victoriametrics_url,
        "--json-report", str(json_path), "--junit-xml", str(junit_path),
        key_env="LITELLM_MASTER_KEY",  # no --api-key / LITELLM_API_KEY: the master key is used
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == "", (result.stderr, failed(report))
    assert statuses(report) == dict.fromkeys(CHECKS, "passed")
    assert [c["name"] for c in report["checks"]] == CHECKS
    assert all(c["duration_s"] >= 0 and c["detail"] for c in report["checks"])
    assert report["passed"] is True and report["counts"] == {"passed": 10, "failed": 0, "skipped": 0}
    assert report["gateway_url"] == local_stack.gateway_url and report["admin_routes_mode"] == "protected"
    assert report["duration_s"] >= 0
    detail = {c["name"]: c["detail"] for c in report["checks"]}
    assert "(>= 4 requests of this run)" in detail["metrics_visible"]
    assert detail["metrics_not_public"] == "/metrics -> 401, /metrics/ -> 401"

    assert json.loads(json_path.read_text()) == report  # the file holds what --json printed

    root = ET.parse(junit_path).getroot()  # noqa: S314 - our own report
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert {k: suite.get(k) for k in ("name", "tests", "failures", "errors", "skipped")} == {
        "name": "smoke_test", "tests": "10", "failures": "0", "errors": "0", "skipped": "0",
    }  # fmt: skip
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == CHECKS
    assert all(float(c.get("time", "-1")) >= 0 for c in cases)
    assert not suite.findall(".//failure") and not suite.findall(".//skipped")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {"gateway_url": local_stack.gateway_url}


def test_text_output_with_the_api_key_flag(local_stack: LocalStack) -> None:
    key = local_stack.master_key
    result = run_script("smoke_test.py", local_stack.gateway_url, "--api-key", key, "--skip", "count_tokens",
                        env=clean_env(), timeout=180)  # fmt: skip
    assert key not in result.output
    assert result.returncode == 0 and result.stderr == "", result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"smoke test of {local_stack.gateway_url} (model claude-haiku-4-5, admin routes: protected)"
    check_lines = lines[1:-1]
    assert [line.split()[1] for line in check_lines] == CHECKS
    line_re = re.compile(r"^(PASS|SKIP)  (\w+) +\d+\.\d\ds  (.+)$")
    marks = {}
    for line in check_lines:
        m = line_re.match(line)
        assert m, line
        marks[m.group(2)] = (m.group(1), m.group(3))
    assert marks["count_tokens"] == ("SKIP", "skipped with --skip")
    assert marks["metrics_visible"][0] == "SKIP" and "no --victoriametrics-url" in marks["metrics_visible"][1]
    assert {n for n, (mark, _) in marks.items() if mark == "PASS"} == set(CHECKS) - {"count_tokens", "metrics_visible"}
    assert marks["health"][1].startswith("HTTP 200")
    assert (
        marks["admin_routes"][1] == f"protected: {len(smoke.PROTECTED_PATHS)} admin routes refused without credentials"
    )
    assert re.fullmatch(r"smoke test: 8 passed, 0 failed, 2 skipped in \d+\.\ds", lines[-1]), lines[-1]


def test_metrics_visible_fails_when_victoriametrics_does_not_see_the_requests(local_stack: LocalStack) -> None:
    assert local_stack.victoriametrics_url is not None
    result, report = run_json(
        local_stack.gateway_url, local_stack.master_key,
        "--victoriametrics-url", local_stack.victoriametrics_url, "--metrics-query", NEVER_RISES, "--metrics-wait", "3",
    )  # fmt: skip
    assert_failed_exactly(result, report, ["metrics_visible"])
    assert failed(report)["metrics_visible"].startswith(f"{NEVER_RISES} rose by 0, not 4, within 3s")


def test_admin_routes_blocked_fails_against_the_local_stack(local_stack: LocalStack) -> None:
    """Locally no edge blocks anything: LiteLLM answers 401 (or serves /ui/, /routes) instead of a WAF 403."""
    result, report = run_json(local_stack.gateway_url, local_stack.master_key, "--admin-routes", "blocked")
    assert report["admin_routes_mode"] == "blocked"
    assert_failed_exactly(result, report, ["admin_routes", "metrics_not_public"])
    detail = failed(report)["admin_routes"]
    assert detail.startswith("blocked: expected 403 from the edge (WAF) without credentials, got ")
    assert "/key/list -> 401" in detail and "/ui/ -> 200" in detail and "/routes -> 200" in detail
    assert failed(report)["metrics_not_public"] == (
        "GET /metrics answered 401, not 403 from the edge (WAF): the gateway itself answered"
    )


@pytest.fixture(scope="module")
def edge_rules(tmp_path_factory: pytest.TempPathFactory) -> EdgeRules:
    """The WAF rules Terraform renders from infra/litellm/public-routes.yaml (tests/terraform/test_public_routes.py
    proves them against every LiteLLM route)."""
    return rendered_rules(tmp_path_factory.mktemp("edge"))


def test_admin_routes_blocked_passes_behind_the_edge(local_stack: LocalStack, edge_rules: EdgeRules) -> None:
    """Through a stand-in for CloudFront/WAF applying the rendered allowlist, the deployment-mode run passes: every
    admin route and /metrics gets the edge's 403 page, the model routes still reach the gateway."""
    with Edge(local_stack.gateway_url, edge_rules).serve() as edge:
        result, report = run_json(edge.url, local_stack.master_key, "--admin-routes", "blocked")
    assert result.returncode == 0 and result.stderr == "", failed(report)
    assert statuses(report) == {**dict.fromkeys(CHECKS, "passed"), "metrics_visible": "skipped"}
    detail = {c["name"]: c["detail"] for c in report["checks"]}
    assert detail["admin_routes"] == f"blocked: {len(smoke.BLOCKED_PATHS)} admin routes refused without credentials"
    assert detail["metrics_not_public"] == "/metrics -> 403, /metrics/ -> 403"
    assert sorted(edge.blocked) == sorted([*smoke.BLOCKED_PATHS, *smoke.METRICS_PATHS])
    assert set(edge.forwarded) == {
        "/health/liveliness", "/v1/models", "/v1/chat/completions", "/v1/messages", "/v1/messages/count_tokens",
    }  # fmt: skip


# --- gateways with one broken piece ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_bedrock_down_fails_the_model_checks(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there: Bedrock is "down"
    with run_gateway(tmp_path, dead) as gw:
        result, report = run_json(gw.url, gw.master_key, "--timeout", "60")
    # count_tokens still passes: LiteLLM counts the tokens itself when Bedrock's CountTokens cannot be reached.
    assert_failed_exactly(result, report, [n for n in CHECKS if n in MODEL_CHECKS])
    for name, detail in failed(report).items():
        assert re.match(r"(POST /\S+: )?HTTP 5\d\d: ", detail) and "BedrockException" in detail, (name, detail)
    assert statuses(report)["metrics_visible"] == "skipped"
    assert gw.master_key not in json.dumps(report)


@pytest.mark.slow
def test_public_metrics_fail_only_metrics_not_public(local_stack: LocalStack, tmp_path: Path) -> None:
    config = yaml.safe_load(CONFIG.read_text())
    config["litellm_settings"]["require_auth_for_metrics_endpoint"] = False
    exposed = tmp_path / "config.yaml"
    exposed.write_text(yaml.safe_dump(config))
    with run_gateway(tmp_path, local_stack.emulator_url, config=exposed) as gw:
        result, report = run_json(gw.url, gw.master_key)
    assert_failed_exactly(result, report, ["metrics_not_public"])
    assert failed(report)["metrics_not_public"] == "GET /metrics without credentials answered 200: /metrics is public"


def test_unreachable_gateway_fails_every_check_with_a_connect_message() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result, report = run_json(url, "sk-" + "x" * 40)
    names = [n for n in CHECKS if n != "metrics_visible"]
    assert_failed_exactly(result, report, names)
    assert statuses(report)["metrics_visible"] == "skipped"
    for name, detail in failed(report).items():
        assert re.fullmatch(r"(GET|POST) /\S+: cannot connect: Connection refused", detail), (name, detail)


# --- usage ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["http://127.0.0.1:1"], {}, "error: no key: pass --api-key, set LITELLM_API_KEY or LITELLM_MASTER_KEY"),
        ([], {"LITELLM_API_KEY": "sk-x"}, "error: no gateway URL: pass URL, set LITELLM_GATEWAY_URL"),
        (["127.0.0.1:4000"], {"LITELLM_API_KEY": "sk-x"}, "error: gateway URL must start with http:// or https://"),
        (["http://x", "--timeout", "0"], {"LITELLM_API_KEY": "sk-x"}, "argument --timeout: must be > 0: '0'"),
        (["http://x", "--metrics-wait", "-1"], {"LITELLM_API_KEY": "sk-x"}, "argument --metrics-wait: must be > 0"),
        (["http://x", "--skip", "chat"], {"LITELLM_API_KEY": "sk-x"}, "argument --skip: invalid choice: 'chat'"),
        (["http://x", "--admin-routes", "no"], {"LITELLM_API_KEY": "sk-x"}, "argument --admin-routes: invalid choice"),
    ],
)
def test_usage_errors_exit_2(args: list[str], env: dict[str, str], message: str) -> None:
    result = run_script("smoke_test.py", *args, env=clean_env(**env))
    assert result.returncode == 2, result.output
    assert message in result.stderr and result.stdout == ""
    assert "sk-x" not in result.output
