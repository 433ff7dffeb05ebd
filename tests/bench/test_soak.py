"""`scripts/bench.py soak --quick` end to end: RSS per worker sampled over the run, growth per 10,000 requests,
table and PNG. No timing or memory figure is asserted."""

from __future__ import annotations

import pytest

from bench.conftest import CliRun

pytestmark = pytest.mark.slow


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
