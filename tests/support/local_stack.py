"""Run `scripts/local_stack.py up` (what `make up` runs: honcho + the Procfile) on free ports, for tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from llmgw.paths import REPO
from support.stack import free_port


@dataclass
class LocalStack:
    gateway_url: str
    master_key: str
    victoriametrics_url: str | None
    vmalert_url: str | None
    alertmanager_url: str | None
    emulator_url: str
    metrics_url: str | None
    run_dir: Path
    log_path: Path
    popen: subprocess.Popen

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def run_local_stack(
    run_dir: Path, *extra_args: str, metrics: bool = True, timeout: float = 150
) -> Iterator[LocalStack]:
    names = ("port", "emulator-port", "metrics-port", "vm-port", "vmalert-port", "alertmanager-port")
    ports = {name: free_port() for name in names}
    args = [f"--{name}={port}" for name, port in ports.items()]
    if not metrics:
        args.append("--no-metrics")
    log_path = run_dir / "local-stack.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LITELLM_", "PROMETHEUS_"))}
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            [sys.executable, str(REPO / "scripts" / "local_stack.py"), "up", "--bedrock", "emulator",
             f"--run-dir={run_dir}", *args, *extra_args],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    ready = run_dir / "ready"
    try:
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if popen.poll() is not None:
                raise RuntimeError(f"local stack exited with {popen.returncode}:\n{log_path.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"local stack not ready after {timeout}s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.3)
        yield LocalStack(
            gateway_url=f"http://127.0.0.1:{ports['port']}",
            master_key=(run_dir / "master_key").read_text().strip(),
            victoriametrics_url=f"http://127.0.0.1:{ports['vm-port']}" if metrics else None,
            vmalert_url=f"http://127.0.0.1:{ports['vmalert-port']}" if metrics else None,
            alertmanager_url=f"http://127.0.0.1:{ports['alertmanager-port']}" if metrics else None,
            emulator_url=f"http://127.0.0.1:{ports['emulator-port']}",
            metrics_url=f"http://127.0.0.1:{ports['metrics-port']}" if metrics else None,
            run_dir=run_dir,
            log_path=log_path,
            popen=popen,
        )
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGINT)  # what Ctrl-C does in a terminal
            try:
                popen.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(5)
