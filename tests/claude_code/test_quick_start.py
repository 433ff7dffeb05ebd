"""The README's quick start, followed literally: `make up`'s printed Claude Code block, pasted into a shell in
another directory (a developer's own project), and the real `claude -p` answers through it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from support.local_stack import LocalStack

from .conftest import QUIET, cli_path

pytestmark = pytest.mark.timeout(180)


def claude_code_block(output: str) -> str:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Claude Code")) + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line.strip())
    return "\n".join(block)


def test_the_printed_block_pasted_elsewhere_runs_claude_code(local_stack: LocalStack, tmp_path: Path) -> None:
    block = claude_code_block(local_stack.output())
    assert block.startswith("export ANTHROPIC_BASE_URL=")
    project, home = tmp_path / "my-project", tmp_path / "home"
    project.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_", "AWS_"))}
    env.update(HOME=str(home), CLAUDE_CONFIG_DIR=str(home / ".claude"), **QUIET)
    script = f"{block}\nexec {cli_path()} -p 'Reply with one word.' --output-format json"
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    result = json.loads(done.stdout)
    assert result["is_error"] is False, (result, done.stderr)
    assert result["result"].strip()
