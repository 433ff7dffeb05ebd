"""`scripts/bench.py --quick` end to end against real processes (emulator, LiteLLM with built-in callbacks only,
LiteLLM with the repo config): the outputs exist and are well formed. No timing is asserted."""

from __future__ import annotations

import json

import pytest

from bench.conftest import CliRun

pytestmark = pytest.mark.slow

SCENARIOS = {"short", "stream", "mix"}
TARGETS = {"baseline", "builtin", "ours"}
QUICK_CONCURRENCY = {1, 4}


def test_files_written(quick_bench: tuple[CliRun, dict]) -> None:
    run, result = quick_bench
    directory = run.result_dir("bench")
    assert json.loads((directory / "bench.json").read_text()) == result
    png = (directory / "bench.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    table = (directory / "bench.txt").read_text()
    assert "Our callbacks vs built-in callbacks only" in table
    assert "Saturation" in table
    for scenario in SCENARIOS:
        for target in TARGETS:
            assert any(line.split()[:2] == [scenario, target] for line in table.splitlines()), (scenario, target)
    assert list((directory / "logs").glob("litellm-ours-*.log")) and list((directory / "logs").glob("emulator-*.log"))


def test_every_point_measured(quick_bench: tuple[CliRun, dict]) -> None:
    _, result = quick_bench
    assert result["kind"] == "bench" and result["plan"]["preset"] == "quick"
    keys = {(p["scenario"], p["target"], p["concurrency"]) for p in result["points"]}
    assert keys == {(s, t, c) for s in SCENARIOS for t in TARGETS for c in QUICK_CONCURRENCY}
    for p in result["points"]:
        where = (p["scenario"], p["target"], p["concurrency"])
        assert p["requests"] > 0 and p["rps"] > 0 and p["failures"] == 0, (where, p["error_examples"])
        lat = p["latency_ms"]
        assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"], where
        assert p["cpu_s_per_1k"] is not None and p["cpu_s_per_1k"] >= 0, where
        assert p["rss_mb"]["per_worker"] > 0 and len(p["rss_mb"]["workers"]) == (p["workers"] or 1), where
        assert len(p["repeats"]) == (1 if p["target"] == "baseline" else result["plan"]["repeats"]), where
        if p["target"] == "baseline":
            assert p["workers"] is None and "overhead_ms" not in p
        else:
            assert p["workers"] == 1
            assert set(p["overhead_ms"]) == {"p50", "p95", "p99"}
        if p["scenario"] == "short":
            assert p["ttft_ms"] is None
        else:  # streams: time to first token measured, never after the end of the request
            assert 0 < p["ttft_ms"]["p50"] <= p["latency_ms"]["max"], where


def test_baseline_does_the_same_upstream_work_as_the_gateway(quick_bench: tuple[CliRun, dict]) -> None:
    """Every request reached the emulator exactly once (no retries), with the same Bedrock operations."""
    _, result = quick_bench
    for p in result["points"]:
        assert p["upstream_calls_per_request"] == 1.0, p
    for scenario in SCENARIOS:
        ops = {p["target"]: set(p["upstream_ops"]) for p in result["points"] if p["scenario"] == scenario}
        assert ops["baseline"] == ops["builtin"] == ops["ours"], (scenario, ops)
    assert {op for p in result["points"] for op in p["upstream_ops"]} == {
        "converse", "converse-stream", "invoke", "invoke-with-response-stream"
    }  # fmt: skip


def test_callback_overhead_reported_as_ratios(quick_bench: tuple[CliRun, dict]) -> None:
    _, result = quick_bench
    section = result["callback_overhead"]
    rows = section["rows"]
    assert {(r["scenario"], r["concurrency"]) for r in rows} == {(s, c) for s in SCENARIOS for c in QUICK_CONCURRENCY}
    for r in rows:
        assert (r["candidate"], r["reference"], r["workers"]) == ("ours", "builtin", 1)
        assert r["rps_change"] == pytest.approx(r["rps"][1] / r["rps"][0] - 1, abs=1e-3)
        assert r["p50_change"] == pytest.approx(r["p50_ms"][1] / r["p50_ms"][0] - 1, abs=1e-3)
    verdict = section["verdict"]
    assert verdict["goal"] == 0.02 and verdict["points"] == len(rows)
    assert isinstance(verdict["rps_within_goal"], bool) and isinstance(verdict["p50_within_goal"], bool)
    sat = {(r["scenario"], r["target"]) for r in result["saturation"]}
    assert sat == {(s, t) for s in SCENARIOS for t in TARGETS}


def test_machine_described(quick_bench: tuple[CliRun, dict]) -> None:
    _, result = quick_bench
    m = result["machine"]
    assert m["nproc"] >= 1 and m["mem_total_mb"] > 0 and m["cpu_model"]
    assert m["litellm"] == "1.106.2"
    assert len(m["loadavg_start"]) == len(m["loadavg_end"]) == 3
