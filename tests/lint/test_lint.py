"""The linters of `make lint` (and of CI's lint job) pass on the repository: a change that would fail the lint job
fails `make test` first. (terraform fmt: tests/terraform/test_format_and_parse.py.)"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from llmgw.paths import REPO, VENV_BIN


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=300, cwd=REPO)


@pytest.mark.parametrize(
    "cmd",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["yamllint", "-s", "."],
    ],
    ids=" ".join,
)
def test_python_linters(cmd: list[str]) -> None:
    tool = VENV_BIN / cmd[0]
    assert tool.exists(), f"{tool} missing: run tools/bootstrap.sh python"
    proc = run(str(tool), *cmd[1:])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is not installed (tools/bootstrap.sh system)")
    files = run("git", "ls-files", "*.sh", ".ci/run").stdout.split()
    assert files, "no shell scripts found"
    proc = run(shellcheck, *files)
    assert proc.returncode == 0, proc.stdout[-4000:]
