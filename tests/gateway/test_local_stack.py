"""`make up`'s launcher: the whole stack through honcho, the printed curl, and its clear one-line errors."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import httpx

from llmgw.paths import REPO
from support.local_stack import LocalStack

LAUNCHER = [sys.executable, str(REPO / "scripts" / "local_stack.py")]


def printed_block(output: str, title: str) -> str:
    """The indented lines under a title of the banner, dedented."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title) + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block)


def test_banner_curl_works(local_stack: LocalStack) -> None:
    output = local_stack.output()
    assert f"Gateway ready: {local_stack.gateway_url}" in output
    assert local_stack.master_key not in output, "the master key must never be printed"
    curl = printed_block(output, "Try it:")
    assert curl.startswith("curl ")
    r = subprocess.run(["bash", "-c", curl], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    body = json.loads(r.stdout)
    assert body["choices"][0]["message"]["content"], body


def test_banner_claude_code_block_works_outside_the_repository(local_stack: LocalStack, tmp_path) -> None:
    """The block refers to the key by an absolute path, so it works pasted in a developer's own project."""
    block = printed_block(local_stack.output(), next(line.strip() for line in local_stack.output().splitlines()
                                                      if line.strip().startswith("Claude Code")))  # fmt: skip
    env = dict(re.findall(r"^export (\w+)=(.*)$", block, re.MULTILINE))
    assert env.keys() == {"ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"}
    assert env["ANTHROPIC_BASE_URL"] == local_stack.gateway_url
    elsewhere = tmp_path / "some-project"
    elsewhere.mkdir()
    token = subprocess.run(
        ["bash", "-c", f'{block}\nprintf %s "$ANTHROPIC_AUTH_TOKEN"'],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert token == local_stack.master_key
    r = httpx.post(
        f"{env['ANTHROPIC_BASE_URL']}/v1/messages",
        headers={"Authorization": f"Bearer {token}", "anthropic-version": "2023-06-01"},
        json={"model": "claude-opus-5-5", "max_tokens": 300, "messages": [{"role": "user", "content": "hi"}]},
        timeout=60,
    )
    assert r.status_code == 200, r.text


def test_all_processes_run_under_honcho(local_stack: LocalStack) -> None:
    output = local_stack.output()
    for name in ("emulator", "litellm", "victoriametrics", "vmalert", "alertmanager"):
        assert re.search(rf"\| {name}\.1 started \(pid=\d+\)", output), f"{name} was not started by honcho"
    assert httpx.get(f"{local_stack.emulator_url}/healthz", timeout=5).status_code == 200
    assert httpx.get(f"{local_stack.victoriametrics_url}/health", timeout=5).status_code == 200
    assert httpx.get(f"{local_stack.alertmanager_url}/-/ready", timeout=5).status_code == 200
    # vmalert notifies that Alertmanager (make up pages someone once a receiver is configured)
    notifier = (local_stack.run_dir / "vmalert-notifier.yml").read_text()
    assert f"127.0.0.1:{local_stack.alertmanager_url.rsplit(':', 1)[1]}" in notifier


def test_taken_port_is_a_one_line_error(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run(
            [*LAUNCHER, "up", f"--port={port}", "--bedrock=emulator", "--no-metrics", f"--run-dir={tmp_path}"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"error: port {port} (gateway) is already in use")


def test_weak_master_key_is_refused(tmp_path) -> None:
    r = subprocess.run(
        [*LAUNCHER, "up", "--bedrock=emulator", "--no-metrics", f"--run-dir={tmp_path}", "--port=1"],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "LITELLM_MASTER_KEY": "sk-1234"},
    )  # fmt: skip
    assert r.returncode == 1
    assert r.stderr.strip() == "error: LITELLM_MASTER_KEY must be strong: 'sk-' followed by 32+ random characters"


def test_bad_arguments_exit_2() -> None:
    r = subprocess.run([*LAUNCHER, "up", "--workers", "0"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "--workers" in r.stderr


def test_down_without_a_stack(tmp_path) -> None:
    r = subprocess.run([*LAUNCHER, "down", f"--run-dir={tmp_path}"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert r.stdout.strip() == "no local stack is running"
