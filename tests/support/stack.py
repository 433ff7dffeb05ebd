"""Start the real processes of the local stack for tests, with the commands of the repository's Procfile.

The process handling (free ports, process groups, readiness, stop) is llmgw.stack.procs, shared with the
benchmark; this module adds the context managers the tests use. Every process is always stopped when its context
exits; one that does not become ready fails the test with the tail of its log.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from llmgw.paths import CONFIG
from llmgw.stack.procs import (
    LaunchError,
    Process,
    base_env,
    free_port,
    gateway_env,
    http_ok,
    new_master_key,
    procfile_process,
)

__all__ = [
    "CONFIG",
    "Gateway",
    "LaunchError",
    "MetricsServer",
    "Process",
    "base_env",
    "free_port",
    "http_ok",
    "new_master_key",
    "quote_env",
    "run_emulator",
    "run_gateway",
    "run_metrics_server",
]


@contextlib.contextmanager
def run_emulator(log_dir: Path, port: int | None = None, **knobs: str) -> Iterator[str]:
    """Start the Bedrock emulator; yields its base URL."""
    port = port or free_port()
    env = base_env(EMULATOR_PORT=str(port), **knobs)
    with procfile_process("emulator", env, log_dir, port, health_path="/healthz", timeout=30):
        yield f"http://127.0.0.1:{port}"


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
    env = gateway_env(
        emulator_url, port=port, master_key=master_key, config=config, workers=workers, multiproc_dir=multiproc_dir
    )
    env.update(extra_env or {})
    with procfile_process("litellm", env, log_dir, port, health_path="/health/readiness", timeout=240) as proc:
        yield Gateway(url=f"http://127.0.0.1:{port}", master_key=master_key, process=proc, multiproc_dir=multiproc_dir)


@dataclass
class MetricsServer:
    """llmgw_callbacks.metrics_server beside a gateway: what VictoriaMetrics scrapes, with its own token."""

    url: str
    token: str
    process: Process

    @property
    def target(self) -> str:
        return self.url.removeprefix("http://")

    def metrics_text(self) -> str:
        req = urllib.request.Request(f"{self.url}/metrics/", headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()


@contextlib.contextmanager
def run_metrics_server(
    log_dir: Path, gateway: Gateway, *, token: str | None = None, port: int | None = None
) -> Iterator[MetricsServer]:
    """The Procfile's `metrics` process on the gateway's multiprocess directory (as make up runs it)."""
    assert gateway.multiproc_dir is not None, "the gateway runs without PROMETHEUS_MULTIPROC_DIR"
    port = port or free_port()
    token = token or secrets.token_urlsafe(32)
    env = base_env(
        METRICS_PORT=str(port), LLMGW_METRICS_TOKEN=token, PROMETHEUS_MULTIPROC_DIR=str(gateway.multiproc_dir)
    )
    with procfile_process("metrics", env, log_dir, port, health_path="/health", timeout=30) as proc:
        yield MetricsServer(url=f"http://127.0.0.1:{port}", token=token, process=proc)


def quote_env(env: dict[str, str]) -> str:
    return " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
