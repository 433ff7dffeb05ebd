"""Fixtures of the operator-script tests: LiteLLM's admin API contract double and a runner for the CLIs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from llmgw.paths import REPO
from scripts.admin_double import AdminDouble, serve
from support.stack import new_master_key

SCRIPTS = REPO / "scripts"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without the developer's LITELLM_* and AWS_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "AWS_"))}
    env.update(extra)
    return env


def run_script(script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    """Run scripts/<script> with the test's Python, from the repository root."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env if env is not None else clean_env(),
        cwd=REPO,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def double() -> Iterator[AdminDouble]:
    """A fresh contract double per test, with team "platform"; no request may break LiteLLM's request models."""
    with serve(AdminDouble(master_key=new_master_key())) as d:
        d.add_team("platform")
        yield d
    assert d.violations == [], "create_user.py sent requests LiteLLM 1.106.2 does not accept"


@pytest.fixture
def cli(double: AdminDouble) -> Callable[..., Result]:
    """Run create_user.py against the double, master key in the environment; it must never be printed."""

    def run(*args: str, timeout: float = 60, **env: str) -> Result:
        settings = {"LITELLM_GATEWAY_URL": double.url, "LITELLM_MASTER_KEY": double.master_key, **env}
        result = run_script("create_user.py", *args, env=clean_env(**settings), timeout=timeout)
        assert double.master_key not in result.output, "the master key must never be printed"
        return result

    return run
