"""`scripts/bench.py soak --quick` end to end: RSS per worker sampled over the run, growth per 10,000 requests,
table and PNG. No timing or memory figure is asserted."""

from __future__ import annotations

import pytest

from bench.conftest import CliRun

# The runs are bounded by their own timeouts (bench/conftest.py run_cli), longer than pytest-timeout's default.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(840)]


def test_soak_outputs(quick_soak: tuple[CliRun, dict]) -> None:
    run, result = quick_soak
    directory = run.result_dir("soak")
    plan = result["plan"]
    png = (directory / "soak.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert "growth MB/10k req" in run.stdout and run.stdout == (directory / "soak.txt").read_text() + (
        f"written: {directory / 'soak.txt'}, {directory / 'soak.json'}, {directory / 'soak.png'}\n"
    )
    samples = result["samples"]
    counts = [s["requests"] for s in samples]
    assert counts[0] == 0 and counts == sorted(counts) and counts[-1] == plan["requests"]
    assert len(samples) >= plan["requests"] // plan["sample_every"] + 1
    assert result["failures"] == 0
    assert len(result["workers"]) == plan["workers"]
    for worker in result["workers"]:
        assert all(s["rss_mb"][str(worker["pid"])] > 0 for s in samples)
        assert isinstance(worker["growth_mb_per_10k"], float)
        assert isinstance(worker["growth_mb_per_10k_second_half"], float)
        assert 0 <= worker["cpu_share"] <= 1
        assert worker["rss_mb_end"] == samples[-1]["rss_mb"][str(worker["pid"])]


def test_quick_soak_is_one_gateway_without_recycling(quick_soak: tuple[CliRun, dict]) -> None:
    _, result = quick_soak
    (gateway,) = result["gateways"]
    assert gateway["recycle"] is None and gateway["restarts"] == 0 and gateway["extra_args"] == ""
    assert isinstance(gateway["growth_mb_per_100k"], float)
    assert gateway["workers_mb_max"] >= gateway["workers_mb_end"] > 0


def test_recycling_measured_side_by_side(recycling_soak: tuple[CliRun, dict]) -> None:
    """`--recycle off,100`: the recycled gateway's workers are replaced (new pids) and keep serving; the other's
    are not; what the restarts cost is reported per gateway."""
    run, result = recycling_soak
    off, recycled = result["gateways"]
    assert (off["name"], off["recycle"], recycled["name"], recycled["recycle"]) == (
        "recycle-off", None, "recycle-100", 100
    )  # fmt: skip
    assert "--max_requests_before_restart 100 --max_requests_before_restart_jitter 50" in recycled["extra_args"]
    assert off["restarts"] == 0
    assert recycled["restarts"] >= 1, recycled["samples"]
    pids = [set(s["rss_mb"]) for s in recycled["samples"]]
    assert pids[0] != pids[-1]  # replaced
    cost = recycled["restart_cost"]
    assert cost["intervals_with_restart"] >= 1 and cost["rps_without"] > 0
    assert cost["failures_in_restart_intervals"] <= recycled["failures"]
    for gateway in (off, recycled):
        served = gateway["samples"][-1]["requests"]
        assert served == 360 or result["bounded_by_time"], gateway["name"]
        assert gateway["failures"] < served / 10, gateway["name"]  # recycling may cost requests, not the run
        assert isinstance(gateway["growth_mb_per_100k"], float)
    assert "restart cost:" in run.stdout and "recycle-off" in run.stdout
