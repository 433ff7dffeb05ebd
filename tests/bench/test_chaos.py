"""`scripts/bench.py chaos --quick` (what `make chaos` runs, smaller) end to end against the real gateway and the
emulator's fault injection, with a worker killed mid-run: no request hangs, the gateway counts every request, and
each failure has its cause. Counts of a random mix are not asserted, only the invariants."""

from __future__ import annotations

import json

import pytest

from bench.conftest import run_cli

# The runs are bounded by their own timeouts (bench/conftest.py run_cli), longer than pytest-timeout's default.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]


def test_chaos_quick_loses_nothing(tmp_path) -> None:
    run = run_cli("chaos", "--quick", out_dir=tmp_path, timeout=400)
    assert run.returncode == 0, f"chaos failed ({run.returncode}):\n{run.stdout}\n{run.stderr[-3000:]}"
    directory = run.result_dir("chaos")
    summary = json.loads((directory / "chaos.json").read_text())
    assert run.stdout.startswith((directory / "chaos.txt").read_text())
    assert summary["sent"] == summary["plan"]["requests"] == 60
    assert summary["hung"] == 0 and summary["metrics_lost"] == 0 and summary["unexpected_failures"] == 0
    assert summary["succeeded"] + sum(summary["failed_by_cause"].values()) == summary["sent"]
    lost = summary["failed_by_cause"].get("connection lost", 0)
    assert 0 < summary["gateway_outcomes"].get("worker_lost", 0) <= lost, "the killed worker's requests are counted"
    assert summary["unseen"] == lost - summary["gateway_outcomes"]["worker_lost"]
    assert summary["by_fault"]["throttling 429"].get("ok", 0) == 0, "a throttle the gateway could not absorb"
    for cause in ("requests sent", "succeeded", "hung", "metrics lost"):
        assert cause in run.stdout


def test_chaos_usage_errors() -> None:
    for args in (["--requests", "0"], ["--clients", "x"], ["--nope"]):
        run = run_cli("chaos", *args)
        assert run.returncode == 2, (args, run.stderr)
