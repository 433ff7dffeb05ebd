"""Start and stop the stack's processes with the repository's Procfile commands, on free loopback ports.

Shared by the test fixtures (tests/support/stack.py) and the benchmark (llmgw.bench.procs): every process
runs `bash -c <Procfile command>` in its own process group, logs to a file, and is stopped with SIGTERM, then
SIGKILL. On Linux it also gets SIGTERM from the kernel when the process that started it dies, even by SIGKILL
(PR_SET_PDEATHSIG), so a killed benchmark or test worker leaves no gateway running. A process that exits or does
not become ready raises LaunchError with the tail of its log.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from llmgw.paths import REPO
from llmgw.stack.env import LITELLM_BASE_ENV, process_env, procfile_commands

# The region the gateway calls Bedrock in when it runs against the emulator (the SigV4 scope the emulator reads).
GATEWAY_REGION = "us-east-1"


class LaunchError(RuntimeError):
    """A process exited or did not become ready; the message ends with the tail of its log."""


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


def base_env(**extra: str) -> dict[str, str]:
    """process_env() without the caller's AWS / LiteLLM / Prometheus settings (a developer shell may have some);
    `extra` is applied on top and always kept."""
    env = process_env(**extra)
    return {k: v for k, v in env.items() if not k.startswith(("AWS_", "PROMETHEUS_", "LITELLM_")) or k in extra}


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the parent (a forked child should not load libraries); None off Linux."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _die_with_parent(prctl: Callable[..., int], parent: int) -> Callable[[], None]:
    def preexec() -> None:  # runs in the child between fork and exec; kept across exec (bash -c exec ...)
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return preexec


@dataclass
class Process:
    name: str
    command: str
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.popen is not None, "process not started"
        return self.popen.pid

    def start(self) -> Process:
        prctl = _prctl()
        preexec = _die_with_parent(prctl, os.getpid()) if prctl is not None else None
        with self.log_path.open("ab") as out:
            self.popen = subprocess.Popen(  # preexec_fn only calls prctl: no lock, no allocation
                ["bash", "-c", self.command],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=preexec,
            )
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
                raise LaunchError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")
            if probe():
                return
            time.sleep(0.2)
        raise LaunchError(f"{self.name} not ready after {timeout:.0f}s (log {self.log_path}):\n{self.log_tail()}")

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


def gateway_env(
    emulator_url: str, *, port: int, master_key: str, config: Path, workers: int, multiproc_dir: Path
) -> dict[str, str]:
    """Environment of the Procfile `litellm` command: the gateway on 127.0.0.1:port with this config, talking to
    the Bedrock emulator at emulator_url (dummy AWS credentials: the emulator does not check them)."""
    return base_env(
        **LITELLM_BASE_ENV,
        AWS_REGION=GATEWAY_REGION,
        LITELLM_CONFIG=str(config),
        GATEWAY_HOST="127.0.0.1",
        GATEWAY_PORT=str(port),
        LITELLM_WORKERS=str(workers),
        LITELLM_MASTER_KEY=master_key,
        AWS_ACCESS_KEY_ID="emulator",
        AWS_SECRET_ACCESS_KEY="emulator",  # noqa: S106 - dummy credentials, the emulator does not check them
        AWS_BEDROCK_RUNTIME_ENDPOINT=emulator_url,
        BEDROCK_MANTLE_API_BASE=emulator_url,
        PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir),
    )


@contextlib.contextmanager
def procfile_process(
    name: str, env: dict[str, str], log_dir: Path, port: int, *, health_path: str, timeout: float, extra_args: str = ""
) -> Iterator[Process]:
    """Run the Procfile's `name` command (plus extra_args) listening on 127.0.0.1:port, logging to
    log_dir/<name>-<port>.log; yields once GET health_path answers 2xx, always stops the process at the end."""
    command = procfile_commands()[name] + (f" {extra_args}" if extra_args else "")
    proc = Process(name, command, env, log_dir / f"{name}-{port}.log").start()
    try:
        proc.wait_ready(lambda: http_ok(f"http://127.0.0.1:{port}{health_path}"), timeout=timeout)
        yield proc
    finally:
        proc.stop()
