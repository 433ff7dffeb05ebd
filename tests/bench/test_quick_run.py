"""`scripts/bench.py --quick` end to end against real processes (emulator; LiteLLM as the stock proxy with our
model list, with built-in callbacks only, with ours, as the tuned profile shipped; Portkey's gateway as the
peer): the outputs exist and are well formed. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bench.conftest import CliRun
from llmgw.paths import CONFIG

# The runs are bounded by their own timeouts (bench/conftest.py run_cli), longer than pytest-timeout's default.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SCENARIOS = {"short", "stream", "mix"}
CALIBRATION = {"cal-plain-12", "cal-stream-12", "cal-stream-300"}
TARGETS = {"baseline", "stock", "builtin", "ours", "tuned", "portkey"}
CANDIDATES = {"builtin", "ours", "tuned", "portkey"}
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
    assert "Versus stock" in table and "Sizing model check" in table
    logs = directory / "logs"
    for name in ("litellm-stock-", "litellm-ours-", "litellm-tuned-", "peer-portkey-", "emulator-"):
        assert list(logs.glob(f"{name}*.log")), name


def test_every_point_measured(quick_bench: tuple[CliRun, dict]) -> None:
    _, result = quick_bench
    assert result["kind"] == "bench" and result["plan"]["preset"] == "quick"
    keys = {(p["scenario"], p["target"], p["concurrency"]) for p in result["points"]}
    top = max(QUICK_CONCURRENCY)
    assert keys == {(s, t, c) for s in SCENARIOS for t in TARGETS for c in QUICK_CONCURRENCY} | {
        (s, t, top) for s in CALIBRATION for t in TARGETS - {"baseline"}
    }  # the sizing model's calibration: gateways only, at the top concurrency
    for p in result["points"]:
        where = (p["scenario"], p["target"], p["concurrency"])
        assert p["requests"] > 0 and p["rps"] > 0 and p["failures"] == 0, (where, p["error_examples"])
        lat = p["latency_ms"]
        assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"], where
        assert p["cpu_s_per_1k"] is not None and p["cpu_s_per_1k"] >= 0, where
        assert p["rss_mb"]["per_worker"] > 0 and len(p["rss_mb"]["workers"]) == (p["workers"] or 1), where
        assert len(p["repeats"]) == (1 if p["target"] == "baseline" else result["plan"]["repeats"]), where
        assert p["output_tokens_per_request"] > 0, where
        if p["scenario"] in CALIBRATION:  # no baseline to subtract
            assert p["workers"] == 1 and "overhead_ms" not in p, where
            continue
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
    for scenario in SCENARIOS | CALIBRATION:
        ops = {p["target"]: set(p["upstream_ops"]) for p in result["points"] if p["scenario"] == scenario}
        ops.setdefault("baseline", ops["stock"])  # calibration: no baseline
        assert ops["baseline"] == ops["stock"] == ops["builtin"] == ops["ours"] == ops["tuned"], (scenario, ops)
        # The peer reached the emulator too, once per request: Converse for both APIs (LiteLLM: InvokeModel for
        # /v1/messages).
        as_converse = {"invoke": "converse", "invoke-with-response-stream": "converse-stream"}
        assert ops["portkey"] == {as_converse.get(op, op) for op in ops["baseline"]}, (scenario, ops)
    assert {op for p in result["points"] for op in p["upstream_ops"]} == {
        "converse", "converse-stream", "invoke", "invoke-with-response-stream"
    }  # fmt: skip


def test_callback_overhead_reported_as_ratios(quick_bench: tuple[CliRun, dict]) -> None:
    _, result = quick_bench
    section = result["callback_overhead"]
    rows = section["rows"]
    main = {(r["scenario"], r["concurrency"]) for r in rows if r["scenario"] in SCENARIOS}
    assert main == {(s, c) for s in SCENARIOS for c in QUICK_CONCURRENCY}
    for r in rows:
        assert (r["candidate"], r["reference"], r["workers"]) == ("ours", "builtin", 1)
        assert r["rps_change"] == pytest.approx(r["rps"][1] / r["rps"][0] - 1, abs=1e-3)
        assert r["p50_change"] == pytest.approx(r["p50_ms"][1] / r["p50_ms"][0] - 1, abs=1e-3)
    verdict = section["verdict"]
    assert verdict["goal"] == 0.02 and verdict["points"] == len(rows)
    assert isinstance(verdict["rps_within_goal"], bool) and isinstance(verdict["p50_within_goal"], bool)
    sat = {(r["scenario"], r["target"]) for r in result["saturation"]}
    gateways = TARGETS - {"baseline"}
    assert sat == {(s, t) for s in SCENARIOS for t in TARGETS} | {(s, t) for s in CALIBRATION for t in gateways}


def test_every_target_compared_with_stock(quick_bench: tuple[CliRun, dict]) -> None:
    _, result = quick_bench
    section = result["versus_stock"]
    keys = {(r["scenario"], r["candidate"], r["concurrency"]) for r in section["rows"] if r["scenario"] in SCENARIOS}
    assert keys == {(s, t, c) for s in SCENARIOS for t in CANDIDATES for c in QUICK_CONCURRENCY}
    for r in section["rows"]:
        assert r["reference"] == "stock" and r["workers"] == 1
        assert r["cpu_ratio"] == pytest.approx(r["cpu_ms"][1] / r["cpu_ms"][0], abs=2e-3)
        assert r["rps_per_vcpu_ratio"] == pytest.approx(1 / r["cpu_ratio"], rel=1e-2)
        assert r["cpu_ratio_noise"] is not None and r["cpu_ratio_noise"] >= 0  # two repeats: a range
    assert {(s["scenario"], s["candidate"]) for s in section["summary"]} == {
        (s, t) for s in SCENARIOS | CALIBRATION for t in CANDIDATES
    }
    goal = section["tuned_goal"]
    assert goal["scenario"] == "mix" and goal["rps_per_vcpu_ratio"] == 1.5 and isinstance(goal["met"], bool)


def test_sizing_model_checked_in_the_same_run(quick_bench: tuple[CliRun, dict]) -> None:
    """The calibration (three uniform Claude Code requests) and the mix it predicts come from the same run, per
    target, at the same concurrency; the output tokens are what the emulator billed."""
    _, result = quick_bench
    checks = {(c["target"], c["concurrency"]): c for c in result["sizing"]}
    assert set(checks) == {(t, max(QUICK_CONCURRENCY)) for t in TARGETS - {"baseline"}}
    for c in checks.values():
        assert c["calibration_tokens"] == [12, 12, 300], c
        assert 12 < c["mix_output_tokens"] < 300, c
        assert c["mix_stream_share"] == result["scenarios"]["mix"]["stream_share"]
        expected = (
            c["base_ms"] + c["stream_ms"] * c["mix_stream_share"] + c["ms_per_output_token"] * c["mix_output_tokens"]
        )
        assert c["predicted_ms"] == pytest.approx(expected, abs=0.01)
        assert c["error"] == pytest.approx(c["measured_ms"] / c["predicted_ms"] - 1, abs=1e-3)
        assert isinstance(c["within_tolerance"], bool)


def test_targets_follow_the_shipped_config(quick_bench: tuple[CliRun, dict]) -> None:
    """stock = the model list (and the aliases routing needs) with the image's command; builtin / ours / tuned =
    the shipped file with their callbacks."""
    _, result = quick_bench
    shipped = yaml.safe_load(CONFIG.read_text())
    gateways = {g["name"]: g for g in result["gateways"]}
    assert set(gateways) == TARGETS - {"baseline"}
    configs = {name: yaml.safe_load(Path(g["config"]).read_text()) for name, g in gateways.items() if name != "portkey"}
    assert set(configs["stock"]) <= {"model_list", "router_settings"}
    assert configs["stock"]["model_list"] == shipped["model_list"]
    assert set(configs["stock"].get("router_settings", {})) <= {"model_group_alias"}
    assert configs["builtin"]["litellm_settings"]["callbacks"] == ["prometheus"]
    ours = configs["ours"]["litellm_settings"]["callbacks"]
    assert ours[0] == "prometheus" and all(c.startswith("llmgw_callbacks.") for c in ours[1:]) and len(ours) > 1
    assert configs["tuned"] == shipped
    assert gateways["stock"]["stock"] is True and not gateways["tuned"]["stock"]
    assert gateways["portkey"]["kind"] == "portkey"


def test_machine_described(quick_bench: tuple[CliRun, dict]) -> None:
    _, result = quick_bench
    m = result["machine"]
    assert m["nproc"] >= 1 and m["mem_total_mb"] > 0 and m["cpu_model"]
    assert m["litellm"] == "1.106.2"
    assert len(m["loadavg_start"]) == len(m["loadavg_end"]) == 3
