"""Start the real processes of the local stack for tests, with the commands of the repository's Procfile.

Every process runs in its own process group on a free loopback port and is always stopped (SIGTERM, then
SIGKILL) when its context exits. A process that does not become ready fails the test with the tail of its log.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from stack_env import CONFIG, LITELLM_BASE_ENV, REPO, process_env, procfile_commands


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_master_key() -> str:
    return "sk-" + secrets.token_urlsafe(32)


def http_ok(url: str, headers: dict[str, str] | None = None, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return 200 <= r.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class Process:
    name: str
    command: str
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            ["bash", "-c", self.command],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        return self

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_ready(self, probe: Callable[[], bool], timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen is not None and self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")
            if probe():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, grace: float = 10.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)


def base_env(**extra: str) -> dict[str, str]:
    """process_env() without whatever AWS / LiteLLM / Prometheus settings the developer's shell has."""
    env = {k: v for k, v in process_env(**extra).items() if not k.startswith(("AWS_", "PROMETHEUS_")) or k in extra}
    return {k: v for k, v in env.items() if not k.startswith("LITELLM_") or k in extra}


@contextlib.contextmanager
def run_emulator(log_dir: Path, port: int | None = None, **knobs: str) -> Iterator[str]:
    """Start the Bedrock emulator; yields its base URL."""
    port = port or free_port()
    env = base_env(EMULATOR_PORT=str(port), **knobs)
    proc = Process("emulator", procfile_commands()["emulator"], env, log_dir / f"emulator-{port}.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_ready(lambda: http_ok(f"{url}/healthz"), timeout=30)
        yield url
    finally:
        proc.stop()


@dataclass
class Gateway:
    url: str
    master_key: str
    process: Process
    multiproc_dir: Path | None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.master_key}"}

    def metrics_text(self) -> str:
        req = urllib.request.Request(f"{self.url}/metrics/", headers=self.auth)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()


@contextlib.contextmanager
def run_gateway(
    log_dir: Path,
    emulator_url: str,
    *,
    config: Path = CONFIG,
    workers: int = 1,
    port: int | None = None,
    master_key: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Gateway]:
    """Start the real LiteLLM proxy (the Procfile command) against the emulator; yields a Gateway."""
    port = port or free_port()
    master_key = master_key or new_master_key()
    multiproc_dir = log_dir / f"prometheus-multiproc-{port}"
    multiproc_dir.mkdir(parents=True, exist_ok=True)
    env = base_env(
        **LITELLM_BASE_ENV,
        AWS_REGION="us-east-1",
        LITELLM_CONFIG=str(config),
        GATEWAY_HOST="127.0.0.1",
        GATEWAY_PORT=str(port),
        LITELLM_WORKERS=str(workers),
        LITELLM_MASTER_KEY=master_key,
        AWS_ACCESS_KEY_ID="emulator",
        AWS_SECRET_ACCESS_KEY="emulator",
        AWS_BEDROCK_RUNTIME_ENDPOINT=emulator_url,
        PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir),
    )
    env.update(extra_env or {})
    proc = Process("litellm", procfile_commands()["litellm"], env, log_dir / f"litellm-{port}.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_ready(lambda: http_ok(f"{url}/health/readiness"), timeout=120)
        yield Gateway(url=url, master_key=master_key, process=proc, multiproc_dir=multiproc_dir)
    finally:
        proc.stop()


def quote_env(env: dict[str, str]) -> str:
    return " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
