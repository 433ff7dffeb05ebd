"""Bad usage of scripts/bench.py: one clear line on stderr and exit code 2, before anything is started."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.conftest import run_cli

BAD_USAGE = [
    (["--concurrency", "0"], "--concurrency values must be between 1 and 1024"),
    (["--concurrency", "one"], "--concurrency must be comma-separated integers"),
    (["--workers", "1,99"], "--workers values must be between 1 and 16"),
    (["--scenarios", "short,nope"], "unknown scenario(s) ['nope']"),
    (["--duration", "-1"], "argument --duration: must be > 0: '-1'"),
    (["--quick", "--full"], "not allowed with argument"),
    (["--alt-venv", "/nonexistent-venv"], "is not a virtualenv with litellm installed"),
    (["--alt-label", "ours", "--alt-venv", ".venv"], "--alt-label 'ours' is taken"),
    (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    (["soak", "--requests", "0"], "argument --requests: must be > 0: '0'"),
    (["soak", "--requests", "100", "--warmup-requests", "100"], "--warmup-requests must be >= 0 and below --requests"),
    (["soak", "--full"], "unrecognized arguments: --full"),
    (["--targets", "stock,nope"], "unknown target(s) ['nope']"),
    (["--config", "/nonexistent.yaml"], "cannot read the config /nonexistent.yaml"),
    (["--config", "infra/litellm/models.yaml"], "is not a LiteLLM config with a model_list"),
    (["--alt-label", "tuned", "--alt-venv", ".venv"], "--alt-label 'tuned' is taken"),
    (["soak", "--quick", "--long"], "not allowed with argument"),
    (["soak", "--recycle", "off,50"], "--recycle takes 'off' or request counts >= 100, got '50'"),
    (["soak", "--recycle", "off,off"], "--recycle needs distinct values"),
    (["soak", "--quick", "--recycle", "off,1000"], "--recycle needs --workers 2 or more"),
    (["soak", "--max-seconds", "0"], "argument --max-seconds: must be > 0: '0'"),
]


@pytest.mark.parametrize(("args", "message"), BAD_USAGE, ids=[" ".join(a) for a, _ in BAD_USAGE])
def test_bad_usage_exits_2_with_a_clear_message(args: list[str], message: str, tmp_path: Path) -> None:
    run = run_cli(*args, out_dir=tmp_path)
    assert run.returncode == 2, run.stderr
    assert message in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith(("bench.py: error:", "bench.py soak: error:"))
    assert "Traceback" not in run.stderr
    assert not any(tmp_path.iterdir()), "nothing may be written on bad usage"
    assert run.stdout == ""


@pytest.mark.parametrize("args", [["--help"], ["soak", "--help"]])
def test_help(args: list[str], tmp_path: Path) -> None:
    run = run_cli(*args)
    assert run.returncode == 0
    assert "usage: bench.py" in run.stdout
    assert ("--requests" in run.stdout) == (args[0] == "soak")
