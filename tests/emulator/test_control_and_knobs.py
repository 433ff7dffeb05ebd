"""The emulator's control API (health, request counters, fault rules) and its server-wide knobs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EventStreamError

from bedrock_emulator import tokens
from support.stack import free_port, http_ok, run_emulator

from .conftest import DEFAULT_KNOBS, HAIKU, HAIKU_BASE, OPUS, SONNET, Emulator, bedrock_client

pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parents[2]


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": [{"text": text}]}]


def test_healthz_and_unknown_paths(emulator: Emulator) -> None:
    status, body = emulator.call("GET", "/healthz")
    assert status == 200 and body["status"] == "ok"
    status, body = emulator.call("POST", f"/model/{HAIKU}/generate", {})
    assert status == 404 and "message" in body
    assert emulator.call("GET", "/nothing-here")[0] == 404


def test_request_counters_and_reset(client, emulator: Emulator) -> None:
    client.converse(modelId=HAIKU, messages=user("hi"))
    client.converse_stream(modelId=SONNET, messages=user("hi"))["stream"].close()
    with pytest.raises(ClientError):
        client.converse(modelId="amazon.nova-pro-v1:0", messages=user("hi"))
    counts = emulator.requests()
    assert counts["total"] == 3
    assert counts["by_operation"] == {"converse": 2, "converse-stream": 1}
    assert counts["by_model"] == {HAIKU: 1, SONNET: 1, "amazon.nova-pro-v1:0": 1}
    assert counts["served_by_model"] == {HAIKU: 1, SONNET: 1}
    assert counts["failed_by_model"] == {"amazon.nova-pro-v1:0": 1}
    assert {"operation": "converse", "model": HAIKU, "count": 1, "served": 1, "failed": 0} in counts["requests"]
    assert emulator.call("DELETE", "/emulator/requests")[0] == 200
    assert emulator.requests()["total"] == 0


def test_fault_rules_validation_listing_and_clearing(client, emulator: Emulator) -> None:
    for bad in ([{"fault": "explode"}], [{"fault": "throttle", "times": -1}], [{"fault": "drop", "colour": 1}], 7):
        status, body = emulator.call("PUT", "/emulator/faults", bad)
        assert status == 400 and body["message"]
    emulator.set_faults([{"model_contains": "opus", "fault": "not_ready"}])
    status, rules = emulator.call("GET", "/emulator/faults")
    assert status == 200 and rules[0]["fault"] == "not_ready" and rules[0]["times"] is None
    for _ in range(3):  # no "times": unlimited
        with pytest.raises(ClientError) as e:
            client.converse(modelId=OPUS, messages=user("hi"))
        assert e.value.response["Error"]["Code"] == "ModelNotReadyException"
    assert emulator.call("DELETE", "/emulator/faults") == (200, [])
    assert client.converse(modelId=OPUS, messages=user("hi"))["stopReason"] == "end_turn"


def test_fault_rules_reach_count_tokens_only_when_asked(client, emulator: Emulator) -> None:
    emulator.set_faults([{"fault": "unavailable", "times": 1, "operations": ["count-tokens"]}])
    # The rule covers CountTokens only: inference is untouched ...
    assert client.converse(modelId=HAIKU, messages=user("hi"))["stopReason"] == "end_turn"
    # ... CountTokens fails once ...
    with pytest.raises(ClientError) as e:
        client.count_tokens(modelId=HAIKU_BASE, input={"converse": {"messages": user("hi")}})
    assert e.value.response["Error"]["Code"] == "ServiceUnavailableException"
    # ... and prompt directives never fault CountTokens.
    prompt = "[emulator fault=throttle]"
    counted = client.count_tokens(modelId=HAIKU_BASE, input={"converse": {"messages": user(prompt)}})
    assert counted["inputTokens"] == tokens.count_text_tokens(prompt)


def test_fault_rule_mid_stream(client, emulator: Emulator) -> None:
    emulator.set_faults([{"fault": "internal", "after_frames": 4, "model_contains": "haiku"}])
    events = []
    with pytest.raises(EventStreamError) as e:
        for event in client.converse_stream(modelId=HAIKU, messages=user("hi"))["stream"]:
            events.append(event)
    assert e.value.response["Error"]["Code"] == "internalServerException"
    assert len(events) == 4
    # Non-stream operations get the plain HTTP error.
    with pytest.raises(ClientError) as e2:
        client.converse(modelId=HAIKU, messages=user("hi"))
    assert e2.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_latency_directive(client) -> None:
    started = time.monotonic()
    r = client.converse(modelId=HAIKU, messages=user("[emulator latency_ms=300]"))
    assert time.monotonic() - started >= 0.3
    assert r["metrics"]["latencyMs"] >= 300


def test_server_wide_knobs_from_environment(run_dir: Path) -> None:
    knobs = {**DEFAULT_KNOBS, "BEDROCK_EMULATOR_OUTPUT_TOKENS": "5", "BEDROCK_EMULATOR_TTFT_MS": "250"}
    with run_emulator(run_dir, **knobs) as url:
        client = bedrock_client(url)
        started = time.monotonic()
        r = client.converse(modelId=HAIKU, messages=user("hi"))
        assert time.monotonic() - started >= 0.25
        assert r["usage"]["outputTokens"] == 5
        # A directive still wins over the server default.
        r = client.converse(modelId=HAIKU, messages=user("hi [emulator output_tokens=2 ttft_ms=0]"))
        assert r["usage"]["outputTokens"] == 2


@contextlib.contextmanager
def emulator_cli(*args: str, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bedrock_emulator", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "emulator"), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while not http_ok(f"{url}/healthz"):
            assert proc.poll() is None, "emulator exited"
            assert time.monotonic() < deadline, "emulator not ready"
            time.sleep(0.1)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def test_cli_flags_override_environment() -> None:
    env = {**DEFAULT_KNOBS, "BEDROCK_EMULATOR_OUTPUT_TOKENS": "9"}
    with emulator_cli("--output-tokens", "3", "--tokens-per-second", "20", env=env) as url:
        client = bedrock_client(url)
        started = time.monotonic()
        body = json.dumps(
            {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 50,
                "messages": [{"role": "user", "content": "x"}],
            }
        )
        r = json.loads(client.invoke_model(modelId=HAIKU, body=body)["body"].read())
        assert r["usage"]["output_tokens"] == 3
        assert time.monotonic() - started >= 3 / 20
