"""Start the processes under test with the repository's Procfile commands, on free loopback ports.

The same commands ``make up`` (honcho) and the test fixtures run, with the process handling of
llmgw.stack.procs (shared with tests/support/stack.py); every process is always stopped when its context
exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from llmgw.paths import CONFIG, REPO
from llmgw.stack.env import LITELLM_BASE_ENV, procfile_commands
from llmgw.stack.procs import LaunchError, Process, free_port, gateway_env, http_ok, new_master_key, procfile_process
from llmgw.stack.procs import base_env as clean_env

from .targets import STOCK_COMMAND, stock_env

__all__ = [
    "Emulator", "Gateway", "LaunchError", "run_emulator", "run_gateways", "start_gateway", "start_peer",
    "wait_gateway",
]  # fmt: skip

PORTKEY_SERVER = REPO / ".tools" / "portkey" / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"
PEER_REGION = "us-east-1"

log = logging.getLogger(__name__)


@dataclass
class Emulator:
    url: str
    process: Process


@contextlib.contextmanager
def run_emulator(log_dir: Path, **knobs: str) -> Iterator[Emulator]:
    """The Bedrock emulator (Procfile ``emulator``) on a free port; ``knobs`` are ``BEDROCK_EMULATOR_*`` variables."""
    port = free_port()
    env = clean_env(EMULATOR_PORT=str(port), BEDROCK_EMULATOR_LOG_LEVEL="WARNING", **knobs)
    with procfile_process("emulator", env, log_dir, port, health_path="/healthz", timeout=30) as proc:
        yield Emulator(url=f"http://127.0.0.1:{port}", process=proc)


@dataclass
class Gateway:
    name: str
    url: str
    master_key: str
    workers: int
    config: Path
    process: Process
    venv_bin: Path | None = None
    started: float = 0.0
    ready_s: float | None = None
    headers: dict[str, str] | None = None
    """Request headers instead of the master key (the peer: provider, custom host, AWS credentials)."""
    ready_path: str = "/health/readiness"
    extra_args: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return self.headers if self.headers is not None else {"Authorization": f"Bearer {self.master_key}"}


def start_gateway(
    log_dir: Path,
    emulator_url: str,
    *,
    name: str,
    config: Path = CONFIG,
    workers: int = 1,
    venv_bin: Path | None = None,
    stock: bool = False,
    extra_args: str = "",
    kind: str = "litellm",
) -> Gateway:
    """Start the real LiteLLM proxy (Procfile ``litellm``) without waiting for it; ``venv_bin`` puts another
    virtualenv's ``litellm`` first on PATH (e.g. a throwaway venv with httptools). ``stock``: the image's plain
    command and environment instead of ours (llmgw.bench.targets); ``extra_args`` are appended to the command
    (e.g. ``--max_requests_before_restart 10000``); ``kind="portkey"`` starts the peer instead (start_peer)."""
    if kind == "portkey":
        return start_peer(log_dir, emulator_url, name=name)
    port = free_port()
    master_key = new_master_key()
    multiproc_dir = log_dir / f"prometheus-multiproc-{name}-{port}"
    multiproc_dir.mkdir(parents=True, exist_ok=True)
    env = gateway_env(
        emulator_url, port=port, master_key=master_key, config=config, workers=workers, multiproc_dir=multiproc_dir
    )
    if venv_bin is not None:
        env["PATH"] = f"{venv_bin}{os.pathsep}{env['PATH']}"
    command = STOCK_COMMAND if stock else procfile_commands()["litellm"]
    if stock:
        env = stock_env(env, LITELLM_BASE_ENV)
    if extra_args:
        command = f"{command} {extra_args}"
    proc = Process(f"litellm-{name}", command, env, log_dir / f"litellm-{name}-{port}.log")
    proc.start()
    return Gateway(
        name=name,
        url=f"http://127.0.0.1:{port}",
        master_key=master_key,
        workers=workers,
        config=config,
        process=proc,
        venv_bin=venv_bin,
        started=time.monotonic(),
        extra_args=extra_args,
    )


def start_peer(log_dir: Path, emulator_url: str, *, name: str = "portkey") -> Gateway:
    """Portkey's gateway (Node, one process) on a free port, without waiting for it. Requests name the Bedrock
    provider and the emulator as its custom host in headers (Gateway.auth), with dummy AWS credentials."""
    if not PORTKEY_SERVER.is_file():
        raise LaunchError(f"Portkey's gateway is not installed ({PORTKEY_SERVER}): run tools/bootstrap.sh node")
    port = free_port()
    env = clean_env(NODE_ENV="production")
    command = f'exec node "{PORTKEY_SERVER}" --port={port} --headless'
    proc = Process(f"peer-{name}", command, env, log_dir / f"peer-{name}-{port}.log")
    proc.start()
    headers = {
        "x-portkey-provider": "bedrock",
        "x-portkey-custom-host": emulator_url,
        "x-portkey-aws-access-key-id": "emulator",
        "x-portkey-aws-secret-access-key": "emulator",
        "x-portkey-aws-region": PEER_REGION,
    }
    return Gateway(
        name=name, url=f"http://127.0.0.1:{port}", master_key="", workers=1, config=PORTKEY_SERVER, process=proc,
        started=time.monotonic(), headers=headers, ready_path="/",
    )  # fmt: skip


def wait_gateway(gateway: Gateway, timeout: float = 300.0) -> None:
    gateway.process.wait_ready(lambda: http_ok(f"{gateway.url}{gateway.ready_path}"), timeout=timeout)
    # uvicorn answers as soon as the first worker is up: wait until every worker process exists.
    from .procstat import worker_pids

    deadline = time.monotonic() + timeout
    while len(worker_pids(gateway.process.pid, gateway.workers)) < gateway.workers:
        if time.monotonic() > deadline:
            raise LaunchError(f"{gateway.process.name}: fewer than {gateway.workers} workers running")
        time.sleep(0.2)
    gateway.ready_s = round(time.monotonic() - gateway.started, 1)


@contextlib.contextmanager
def run_gateways(log_dir: Path, emulator_url: str, specs: list[dict]) -> Iterator[list[Gateway]]:
    """Start several gateways at once (start-up is the slow part), wait for all, stop all at the end."""
    started: list[Gateway] = []
    try:
        for spec in specs:
            started.append(start_gateway(log_dir, emulator_url, **spec))
        for gateway in started:
            wait_gateway(gateway)
            log.info("%s ready at %s (%d worker(s))", gateway.name, gateway.url, gateway.workers)
        yield started
    finally:
        for gateway in started:
            gateway.process.stop()
