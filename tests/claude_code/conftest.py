"""The real Claude Code CLI (npm ``@anthropic-ai/claude-code``, pinned in tools/claude-code/) run headless against
the session gateway and emulator.

Every run gets its own HOME and CLAUDE_CONFIG_DIR, and only the variables a developer would set: the base URL
and a key (or an ``apiKeyHelper``), plus the switches that keep the CLI off the network it cannot reach here
(autoupdater, telemetry, non-essential traffic). ``LLMGW_CLAUDE_CODE_BIN`` points the suite at another build of
the CLI (CI's "latest Claude Code" job).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from llmgw.paths import REPO
from support.stack import Gateway

CLI = REPO / ".tools" / "claude-code" / "node_modules" / ".bin" / "claude"
QUIET = {
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}


def cli_path() -> Path:
    override = os.environ.get("LLMGW_CLAUDE_CODE_BIN", "").strip()
    path = Path(override) if override else CLI
    if not path.exists():
        pytest.fail(f"the Claude Code CLI is not installed at {path}: run `make deps` (tools/claude-code/)")
    return path


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        try:
            return json.loads(self.stdout)
        except ValueError:
            raise AssertionError(
                f"claude printed no JSON (exit {self.returncode}):\n{self.stdout}\n{self.stderr}"
            ) from None

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@dataclass
class ClaudeCode:
    binary: Path
    gateway: Gateway
    home: Path
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config_dir(self) -> Path:
        return self.home / ".claude"

    def settings(self, **values: object) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "settings.json").write_text(json.dumps(values))

    def run(self, *args: str, timeout: float = 120, **extra_env: str) -> Run:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_", "AWS_"))}
        env.update(
            HOME=str(self.home),
            CLAUDE_CONFIG_DIR=str(self.config_dir),
            ANTHROPIC_BASE_URL=self.gateway.url,
            **QUIET,
            **self.env,
            **extra_env,
        )
        env = {k: v for k, v in env.items() if v != ""}
        done = subprocess.run(
            [str(self.binary), *args],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def claude_code(gateway: Gateway, tmp_path: Path) -> ClaudeCode:
    """Claude Code as a developer runs it against the gateway: the master key as ANTHROPIC_AUTH_TOKEN."""
    home, workdir = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    workdir.mkdir()
    return ClaudeCode(cli_path(), gateway, home, workdir, env={"ANTHROPIC_AUTH_TOKEN": gateway.master_key})


@pytest.fixture
def upstream(emulator_url: str) -> Iterator[httpx.Client]:
    """The emulator's control API, with its counters, recordings, faults and scenario reset around the test."""
    with httpx.Client(base_url=emulator_url, timeout=10) as client:
        for path in ("/emulator/requests", "/emulator/received", "/emulator/faults", "/emulator/scenario"):
            client.delete(path).raise_for_status()
        yield client
        for path in ("/emulator/faults", "/emulator/scenario"):
            client.delete(path).raise_for_status()


def inference(upstream: httpx.Client) -> list[dict]:
    """The model calls the emulator received (count-tokens excluded), oldest first."""
    received = upstream.get("/emulator/received").raise_for_status().json()
    return [
        r
        for r in received
        if r["operation"] in ("invoke", "invoke-with-response-stream", "converse", "converse-stream")
    ]
