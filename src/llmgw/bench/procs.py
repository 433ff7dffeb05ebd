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

from llmgw.paths import CONFIG
from llmgw.stack.env import procfile_commands
from llmgw.stack.procs import LaunchError, Process, free_port, gateway_env, http_ok, new_master_key, procfile_process
from llmgw.stack.procs import base_env as clean_env

__all__ = ["Emulator", "Gateway", "LaunchError", "run_emulator", "run_gateways", "start_gateway", "wait_gateway"]

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

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.master_key}"}


def start_gateway(
    log_dir: Path,
    emulator_url: str,
    *,
    name: str,
    config: Path = CONFIG,
    workers: int = 1,
    venv_bin: Path | None = None,
) -> Gateway:
    """Start the real LiteLLM proxy (Procfile ``litellm``) without waiting for it; ``venv_bin`` puts another
    virtualenv's ``litellm`` first on PATH (e.g. a throwaway venv with httptools)."""
    port = free_port()
    master_key = new_master_key()
    multiproc_dir = log_dir / f"prometheus-multiproc-{name}-{port}"
    multiproc_dir.mkdir(parents=True, exist_ok=True)
    env = gateway_env(
        emulator_url, port=port, master_key=master_key, config=config, workers=workers, multiproc_dir=multiproc_dir
    )
    if venv_bin is not None:
        env["PATH"] = f"{venv_bin}{os.pathsep}{env['PATH']}"
    proc = Process(f"litellm-{name}", procfile_commands()["litellm"], env, log_dir / f"litellm-{name}-{port}.log")
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
    )


def wait_gateway(gateway: Gateway, timeout: float = 180.0) -> None:
    gateway.process.wait_ready(lambda: http_ok(f"{gateway.url}/health/readiness"), timeout=timeout)
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
