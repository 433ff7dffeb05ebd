"""The gateway keeps an idle client connection open longer than the ALB does (issue 14: sporadic 502s).

The ALB reuses idle connections to a target for up to its idle timeout (900 s); uvicorn closes them after 5 s by
default, and the request the ALB sends on such a connection gets a 502. The ECS task sets KEEPALIVE_TIMEOUT (the
ALB's idle timeout plus a margin, modules/litellm-service); here the real LiteLLM CLI, started with the value the
task definition computes, still answers on a connection left idle past uvicorn's default, and without it closes
the connection. Failed before: the task set no KEEPALIVE_TIMEOUT, i.e. the second case."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
from terraform.tflib import MODULES, TfDir

from llmgw.paths import CONFIG
from llmgw.stack.procs import free_port, gateway_env, new_master_key, procfile_process

IDLE = 7.0  # seconds: beyond uvicorn's 5 s default, far below the ALB's idle timeout


def task_keepalive() -> int:
    """KEEPALIVE_TIMEOUT as the task definition computes it: the alb module's default idle timeout + the margin."""
    idle = TfDir.load(MODULES / "alb").variables["idle_timeout"].body["default"]
    margin = next(
        b["keepalive_margin"]
        for doc in TfDir.load(MODULES / "litellm-service").docs.values()
        for b in doc.get("locals", [])
        if "keepalive_margin" in b
    )
    return idle + margin


def request(sock: socket.socket) -> bytes:
    sock.sendall(b"GET /health/liveliness HTTP/1.1\r\nHost: gateway\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *([0-9]+)", head).group(1))
    while len(body) < length:
        body += sock.recv(4096)
    return head


@pytest.mark.slow
@pytest.mark.parametrize("keepalive", ["task", None], ids=["task-definition-value", "uvicorn-default"])
def test_idle_connection_survives_past_uvicorns_default(keepalive: str | None, tmp_path: Path) -> None:
    port = free_port()
    env = gateway_env(
        "http://127.0.0.1:9", port=port, master_key=new_master_key(), config=CONFIG, workers=1,
        multiproc_dir=tmp_path / "prom",
    )  # fmt: skip
    (tmp_path / "prom").mkdir()
    if keepalive == "task":
        value = task_keepalive()
        assert value > 900
        env["KEEPALIVE_TIMEOUT"] = str(value)
    else:
        env.pop("KEEPALIVE_TIMEOUT", None)
    with (
        procfile_process("litellm", env, tmp_path, port, health_path="/health/liveliness", timeout=120),
        socket.create_connection(("127.0.0.1", port), timeout=10) as sock,
    ):
        assert request(sock).startswith(b"HTTP/1.1 200")
        time.sleep(IDLE)
        try:
            second = request(sock)
        except (ConnectionResetError, BrokenPipeError):
            second = b""
    if keepalive == "task":
        assert second.startswith(b"HTTP/1.1 200"), second
    else:
        assert second == b"", "uvicorn's default keep-alive should have closed the idle connection"
