"""Turn accumulated measurements into the result document (JSON), the comparison ratios and text tables."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

from .runner import BASELINE, MB, Accumulated, Runner
from .sizing import sizing_checks
from .stats import ratio, summary_ms
from .targets import BUILTIN, OURS, PEER, STOCK, TUNED

GOAL = 0.02  # our callbacks: under 2 % on requests/s and p50 against built-in callbacks only
TUNED_GOAL = {"scenario": "mix", "rps_per_vcpu_ratio": 1.5, "cpu_ratio": 2 / 3}  # issue 18: tuned vs stock
SCHEMA_VERSION = 2


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def _point(scenario: str, target: str, workers: int | None, concurrency: int, acc: Accumulated) -> dict:
    completed = acc.completed
    per_1k = (lambda cpu: _round(cpu / completed * 1000)) if completed else (lambda cpu: None)
    ttft = summary_ms(acc.ttfts) if acc.ttfts else None
    return {
        "scenario": scenario,
        "target": target,
        "workers": workers,
        "concurrency": concurrency,
        "requests": completed,
        "failures": acc.failures,
        "error_examples": acc.error_examples,
        "window_s": _round(acc.window_s),
        "rps": _round(completed / acc.window_s if acc.window_s else 0.0, 2),
        "latency_ms": summary_ms(acc.latencies),
        "ttft_ms": ttft,
        "cpu_s_per_1k": per_1k(acc.server_cpu_s),
        "emulator_cpu_s_per_1k": per_1k(acc.emulator_cpu_s),
        "client_cpu_s_per_1k": per_1k(acc.client_cpu_s),
        "rss_mb": {
            "workers": [round(v / MB, 1) for _, v in sorted(acc.rss_workers.items())],
            "per_worker": _round(sum(acc.rss_workers.values()) / len(acc.rss_workers) / MB, 1)
            if acc.rss_workers
            else None,
            "supervisor": _round(acc.rss_supervisor / MB, 1) if acc.rss_supervisor else None,
            "total": _round(acc.rss_total / MB, 1),
        },
        "worker_cpu_share": _shares(acc.worker_cpu_s),
        "upstream_ops": dict(sorted(acc.upstream_ops.items())),
        "upstream_calls_per_request": _round(sum(acc.upstream_ops.values()) / acc.sent, 4) if acc.sent else None,
        "output_tokens_per_request": _round(acc.output_tokens / acc.upstream_requests, 2)
        if acc.upstream_requests
        else None,
        "repeats": acc.repeats,
    }


def _shares(cpu_by_pid: dict[int, float]) -> list[float] | None:
    """Each worker's part of the workers' CPU time (1 worker: [1.0]); shows whether the load was spread."""
    total = sum(cpu_by_pid.values())
    return [round(cpu / total, 3) for _, cpu in sorted(cpu_by_pid.items())] if total > 0 else None


def _add_overheads(points: list[dict]) -> None:
    """Gateway minus baseline at the same scenario and concurrency (latency and time to first token)."""
    baselines = {(p["scenario"], p["concurrency"]): p for p in points if p["target"] == BASELINE}
    for point in points:
        base = baselines.get((point["scenario"], point["concurrency"]))
        if point["target"] == BASELINE or base is None:
            continue
        point["overhead_ms"] = {
            q: _round(point["latency_ms"][q] - base["latency_ms"][q])
            if point["latency_ms"][q] is not None and base["latency_ms"][q] is not None
            else None
            for q in ("p50", "p95", "p99")
        }
        if point["ttft_ms"] and base["ttft_ms"]:
            point["ttft_overhead_ms"] = {q: _round(point["ttft_ms"][q] - base["ttft_ms"][q]) for q in ("p50", "p99")}


def _spread(repeats: Iterable[dict], key: str) -> float | None:
    """(max − min) / mean of one figure over the repeats of a point: the run's own noise level."""
    values = [r[key] for r in repeats if r.get(key) is not None]
    if len(values) < 2 or statistics.fmean(values) == 0:
        return None
    return (max(values) - min(values)) / statistics.fmean(values)


def _noise(ref: dict, cand: dict, key: str) -> float | None:
    spreads = [x for x in (_spread(ref["repeats"], key), _spread(cand["repeats"], key)) if x is not None]
    return max(spreads) if spreads else None


def compare(points: list[dict], candidate: str, reference: str) -> list[dict]:
    """Per (scenario, workers, concurrency): candidate vs reference, as relative changes (+0.01 = 1 % more)."""
    index = {(p["scenario"], p["target"], p["workers"], p["concurrency"]): p for p in points}
    rows = []
    for (scenario, target, workers, concurrency), ref in index.items():
        if target != reference:
            continue
        cand = index.get((scenario, candidate, workers, concurrency))
        if cand is None:
            continue
        rows.append(
            {
                "scenario": scenario,
                "workers": workers,
                "concurrency": concurrency,
                "candidate": candidate,
                "reference": reference,
                "rps": [ref["rps"], cand["rps"]],
                "rps_change": _round(ratio(cand["rps"], ref["rps"]), 4),
                "p50_ms": [ref["latency_ms"]["p50"], cand["latency_ms"]["p50"]],
                "p50_change": _round(ratio(cand["latency_ms"]["p50"], ref["latency_ms"]["p50"]), 4),
                "p99_ms": [ref["latency_ms"]["p99"], cand["latency_ms"]["p99"]],
                "p99_change": _round(ratio(cand["latency_ms"]["p99"], ref["latency_ms"]["p99"]), 4),
                "cpu_s_per_1k": [ref["cpu_s_per_1k"], cand["cpu_s_per_1k"]],
                "cpu_change": _round(ratio(cand["cpu_s_per_1k"], ref["cpu_s_per_1k"]), 4),
                "noise_rps": _round(_noise(ref, cand, "rps"), 4),
                "noise_p50": _round(_noise(ref, cand, "p50_ms"), 4),
            }
        )
    return rows


def _pairs(ref: dict, cand: dict, key: str) -> list[float]:
    """cand / ref per repeat (repeat i of both was measured back to back: A B .. B A)."""
    return [
        c[key] / r[key]
        for r, c in zip(ref["repeats"], cand["repeats"], strict=False)
        if r.get(key) and c.get(key) is not None
    ]


def _half_range(values: list[float]) -> float | None:
    return (max(values) - min(values)) / 2 if len(values) >= 2 else None


def versus(points: list[dict], candidate: str, reference: str = STOCK) -> list[dict]:
    """Per (scenario, workers, concurrency): candidate / reference as ratios (1.5 = 1.5×), with their noise: half
    the range of the same ratio computed repeat by repeat (± that is what two measurements disagree by).
    ``rps_per_vcpu`` = requests per second of server CPU (1000 / CPU ms per request), what a dedicated vCPU serves
    at saturation; ``rps`` = requests/s at that concurrency on this shared machine."""
    index = {(p["scenario"], p["target"], p["workers"], p["concurrency"]): p for p in points}
    rows = []
    for (scenario, target, workers, concurrency), ref in index.items():
        cand = index.get((scenario, candidate, workers, concurrency))
        if target != reference or cand is None or not ref["cpu_s_per_1k"] or not cand["cpu_s_per_1k"]:
            continue
        cpu = _pairs(ref, cand, "cpu_s_per_1k")
        rps = _pairs(ref, cand, "rps")
        rows.append(
            {
                "scenario": scenario,
                "workers": workers,
                "concurrency": concurrency,
                "candidate": candidate,
                "reference": reference,
                "cpu_ms": [ref["cpu_s_per_1k"], cand["cpu_s_per_1k"]],
                "cpu_ratio": _round(cand["cpu_s_per_1k"] / ref["cpu_s_per_1k"], 3),
                "cpu_ratio_noise": _round(_half_range(cpu), 3),
                "rps_per_vcpu": [_round(1000 / ref["cpu_s_per_1k"], 1), _round(1000 / cand["cpu_s_per_1k"], 1)],
                "rps_per_vcpu_ratio": _round(ref["cpu_s_per_1k"] / cand["cpu_s_per_1k"], 3),
                "rps_per_vcpu_ratio_noise": _round(_half_range([1 / x for x in cpu if x]), 3),
                "rps": [ref["rps"], cand["rps"]],
                "rps_ratio": _round(cand["rps"] / ref["rps"], 3) if ref["rps"] else None,
                "rps_ratio_noise": _round(_half_range(rps), 3),
                "p50_ms": [ref["latency_ms"]["p50"], cand["latency_ms"]["p50"]],
                "p50_ratio": _round(cand["latency_ms"]["p50"] / ref["latency_ms"]["p50"], 3)
                if ref["latency_ms"]["p50"] and cand["latency_ms"]["p50"]
                else None,
            }
        )
    return rows


def versus_summary(rows: list[dict]) -> list[dict]:
    """Per (scenario, candidate, workers): the median ratio over the concurrency levels and the largest noise."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["scenario"], r["candidate"], r["workers"]), []).append(r)
    summary = []
    for (scenario, candidate, workers), group in groups.items():
        entry: dict = {"scenario": scenario, "candidate": candidate, "workers": workers, "points": len(group)}
        for key in ("rps_per_vcpu_ratio", "cpu_ratio", "rps_ratio"):
            entry[key] = _median(r[key] for r in group)
            noises = [r[f"{key}_noise"] for r in group if r[f"{key}_noise"] is not None]
            entry[f"{key}_noise"] = _round(max(noises), 3) if noises else None
        summary.append(entry)
    return summary


def tuned_verdict(summary: list[dict]) -> dict | None:
    """Issue 18's goal on the Claude Code mix: tuned ≥ 1.5× stock's requests/s per vCPU, ≤ 2/3 of its CPU."""
    rows = [s for s in summary if s["candidate"] == TUNED and s["scenario"] == TUNED_GOAL["scenario"]]
    if not rows:
        return None
    row = min(rows, key=lambda s: s["workers"] or 0)
    return {
        **TUNED_GOAL,
        "workers": row["workers"],
        "measured_rps_per_vcpu_ratio": row["rps_per_vcpu_ratio"],
        "measured_cpu_ratio": row["cpu_ratio"],
        "noise": row["cpu_ratio_noise"],
        "met": bool(
            row["rps_per_vcpu_ratio"] is not None
            and row["rps_per_vcpu_ratio"] >= TUNED_GOAL["rps_per_vcpu_ratio"]
            and row["cpu_ratio"] <= TUNED_GOAL["cpu_ratio"]
        ),
    }


def _median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return _round(statistics.median(present), 4) if present else None


def verdict(rows: list[dict]) -> dict:
    """The callback-overhead goal over all points: the median change must stay under GOAL (rps may not drop
    more than 2 %, p50 may not rise more than 2 %)."""
    rps = _median(r["rps_change"] for r in rows)
    p50 = _median(r["p50_change"] for r in rows)
    cpu = _median(r["cpu_change"] for r in rows)
    return {
        "goal": GOAL,
        "median_rps_change": rps,
        "median_p50_change": p50,
        "median_cpu_change": cpu,
        "median_noise_rps": _median(r["noise_rps"] for r in rows),
        "median_noise_p50": _median(r["noise_p50"] for r in rows),
        "rps_within_goal": None if rps is None else rps > -GOAL,
        "p50_within_goal": None if p50 is None else p50 < GOAL,
        "points": len(rows),
    }


def saturation(points: list[dict]) -> list[dict]:
    """Highest requests/s per (scenario, target, workers) over the concurrency levels, with the CPU it cost."""
    best: dict[tuple, dict] = {}
    for p in points:
        key = (p["scenario"], p["target"], p["workers"])
        if key not in best or (p["rps"] or 0) > (best[key]["rps"] or 0):
            best[key] = p
    rows = []
    for (scenario, target, workers), p in best.items():
        cpu_ms = p["cpu_s_per_1k"]  # CPU seconds per 1,000 requests = CPU milliseconds per request
        rows.append(
            {
                "scenario": scenario,
                "target": target,
                "workers": workers,
                "concurrency": p["concurrency"],
                "rps": p["rps"],
                "cpu_ms_per_request": cpu_ms,
                "rps_per_busy_vcpu": _round(1000 / cpu_ms, 1) if cpu_ms else None,
                "rss_mb_per_worker": p["rss_mb"]["per_worker"],
                "rss_mb_total": p["rss_mb"]["total"],
            }
        )
    return rows


def build(runner: Runner, machine: dict, finished: float) -> dict:
    points = [_point(*key, acc) for key, acc in runner.points.items()]
    _add_overheads(points)
    comparisons = compare(points, OURS, BUILTIN)
    alt_rows = compare(points, runner.plan.alt_label, OURS) if runner.plan.alt_venv else []
    candidates = [t for t in (BUILTIN, OURS, TUNED, PEER) if t in runner.plan.targets]
    if runner.plan.alt_venv:
        candidates.append(runner.plan.alt_label)
    stock_rows = [row for c in candidates for row in versus(points, c, STOCK)]
    stock_summary = versus_summary(stock_rows)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "bench",
        "started": runner.started,
        "finished": finished,
        "duration_s": round(finished - runner.started, 1),
        "machine": machine,
        "plan": runner.plan.to_json(),
        "scenarios": {
            name: {"description": s.description, "mean_body_bytes": s.mean_body_bytes, "stream_share": s.stream_share}
            for name, s in runner.scenarios.items()
        },
        "calibration_scenarios": {
            name: {"description": s.description, "mean_body_bytes": s.mean_body_bytes, "stream_share": s.stream_share}
            for name, s in runner.calibration.items()
        },
        "gateways": runner.gateways,
        "points": points,
        "callback_overhead": {"rows": comparisons, "verdict": verdict(comparisons)},
        "alt_comparison": {"rows": alt_rows, "verdict": verdict(alt_rows)} if alt_rows else None,
        "saturation": saturation(points),
        "versus_stock": {"rows": stock_rows, "summary": stock_summary, "tuned_goal": tuned_verdict(stock_summary)},
        "sizing": sizing_checks(points, runner.scenarios["mix"].stream_share if "mix" in runner.scenarios else None),
    }


# ------------------------------------------------------------------------------------------------ tables


def _fmt(value: object, spec: str = ".1f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec) if isinstance(value, int | float) else str(value)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _split(point: dict) -> str:
    shares = point.get("worker_cpu_share")
    if not shares or len(shares) < 2:
        return "-"
    return "/".join(f"{share * 100:.0f}" for share in shares)


def points_table(result: dict) -> str:
    header = ["scenario", "target", "w", "conc", "req", "err", "rps", "p50 ms", "p95 ms", "p99 ms", "+p50 ms",
              "ttft p50", "+ttft", "cpu s/1k", "rss MB/w", "cpu split"]  # fmt: skip
    rows = []
    for p in result["points"]:
        lat, ttft = p["latency_ms"], p["ttft_ms"] or {}
        rows.append(
            [p["scenario"], p["target"], _fmt(p["workers"], "d"), str(p["concurrency"]), str(p["requests"]),
             str(p["failures"]), _fmt(p["rps"]), _fmt(lat["p50"], ".2f"), _fmt(lat["p95"], ".2f"),
             _fmt(lat["p99"], ".2f"), _fmt((p.get("overhead_ms") or {}).get("p50"), ".2f"),
             _fmt(ttft.get("p50"), ".1f"), _fmt((p.get("ttft_overhead_ms") or {}).get("p50"), ".1f"),
             _fmt(p["cpu_s_per_1k"], ".2f"), _fmt(p["rss_mb"]["per_worker"], ".0f"), _split(p)]
        )  # fmt: skip
    return _table(header, rows)


def comparison_table(section: dict | None) -> str:
    if not section or not section["rows"]:
        return ""
    header = ["scenario", "vs", "w", "conc", "rps ref", "rps new", "Δrps", "p50 ref", "p50 new", "Δp50", "Δp99",
              "Δcpu/req", "noise rps", "noise p50"]  # fmt: skip
    rows = [
        [r["scenario"], f"{r['candidate']}/{r['reference']}", str(r["workers"]), str(r["concurrency"]),
         _fmt(r["rps"][0]), _fmt(r["rps"][1]), _pct(r["rps_change"]), _fmt(r["p50_ms"][0], ".2f"),
         _fmt(r["p50_ms"][1], ".2f"), _pct(r["p50_change"]), _pct(r["p99_change"]), _pct(r["cpu_change"]),
         _pct(r["noise_rps"]), _pct(r["noise_p50"])]
        for r in section["rows"]
    ]  # fmt: skip
    v = section["verdict"]
    summary = (
        f"median over {v['points']} points: rps {_pct(v['median_rps_change'])}, p50 {_pct(v['median_p50_change'])}, "
        f"CPU/request {_pct(v['median_cpu_change'])} (noise between repeats: rps {_pct(v['median_noise_rps'])}, "
        f"p50 {_pct(v['median_noise_p50'])}); goal |change| < {GOAL:.0%}: "
        f"rps {'met' if v['rps_within_goal'] else 'NOT met'}, p50 {'met' if v['p50_within_goal'] else 'NOT met'}"
    )
    return _table(header, rows) + "\n" + summary


def saturation_table(result: dict) -> str:
    header = ["scenario", "target", "w", "best conc", "rps", "cpu ms/req", "rps per busy vCPU", "rss MB/w", "rss MB"]
    rows = [
        [r["scenario"], r["target"], _fmt(r["workers"], "d"), str(r["concurrency"]), _fmt(r["rps"]),
         _fmt(r["cpu_ms_per_request"], ".2f"), _fmt(r["rps_per_busy_vcpu"]), _fmt(r["rss_mb_per_worker"], ".0f"),
         _fmt(r["rss_mb_total"], ".0f")]
        for r in result["saturation"]
    ]  # fmt: skip
    return _table(header, rows)


def _x(value: float | None, noise: float | None = None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}×" + (f" ±{noise:.2f}" if noise is not None else "")


def versus_table(section: dict | None) -> str:
    if not section or not section["rows"]:
        return ""
    header = ["scenario", "vs", "w", "conc", "cpu ms ref", "cpu ms new", "rps/vCPU ref", "rps/vCPU new",
              "rps/vCPU ratio", "cpu ratio", "rps ref", "rps new", "rps ratio", "p50 ratio"]  # fmt: skip
    rows = [
        [r["scenario"], f"{r['candidate']}/{r['reference']}", str(r["workers"]), str(r["concurrency"]),
         _fmt(r["cpu_ms"][0], ".2f"), _fmt(r["cpu_ms"][1], ".2f"), _fmt(r["rps_per_vcpu"][0]),
         _fmt(r["rps_per_vcpu"][1]), _x(r["rps_per_vcpu_ratio"], r["rps_per_vcpu_ratio_noise"]),
         _x(r["cpu_ratio"], r["cpu_ratio_noise"]), _fmt(r["rps"][0]), _fmt(r["rps"][1]),
         _x(r["rps_ratio"], r["rps_ratio_noise"]), _x(r["p50_ratio"])]
        for r in section["rows"]
    ]  # fmt: skip
    summary_header = ["scenario", "vs", "w", "points", "rps/vCPU ratio", "cpu ratio", "rps ratio"]
    summary_rows = [
        [s["scenario"], f"{s['candidate']}/stock", str(s["workers"]), str(s["points"]),
         _x(s["rps_per_vcpu_ratio"], s["rps_per_vcpu_ratio_noise"]), _x(s["cpu_ratio"], s["cpu_ratio_noise"]),
         _x(s["rps_ratio"], s["rps_ratio_noise"])]
        for s in section["summary"]
    ]  # fmt: skip
    text = _table(header, rows) + "\n\nMedian over the concurrency levels (± the largest noise of those points)\n"
    text += _table(summary_header, summary_rows)
    goal = section.get("tuned_goal")
    if goal:
        text += (
            f"\ngoal ({goal['scenario']}, {goal['workers']} worker(s)): tuned ≥ {goal['rps_per_vcpu_ratio']}× stock's "
            f"requests/s per vCPU and ≤ {goal['cpu_ratio']:.2f}× its CPU per request: measured "
            f"{_x(goal['measured_rps_per_vcpu_ratio'])} and {_x(goal['measured_cpu_ratio'], goal['noise'])}: "
            f"{'met' if goal['met'] else 'NOT met'}"
        )
    return text


def sizing_table(checks: list[dict]) -> str:
    if not checks:
        return ""
    header = ["target", "w", "conc", "base ms", "+stream ms", "ms/out token", "mix tokens/req", "predicted ms",
              "measured ms", "predicted rps/vCPU", "measured rps/vCPU", "error", "within 15%"]  # fmt: skip
    rows = [
        [c["target"], str(c["workers"]), str(c["concurrency"]), _fmt(c["base_ms"], ".2f"), _fmt(c["stream_ms"], ".2f"),
         _fmt(c["ms_per_output_token"], ".3f"), _fmt(c["mix_output_tokens"], ".1f"), _fmt(c["predicted_ms"], ".2f"),
         _fmt(c["measured_ms"], ".2f"), _fmt(c["predicted_rps_per_vcpu"]), _fmt(c["measured_rps_per_vcpu"]),
         _pct(c["error"]), "yes" if c["within_tolerance"] else "NO"]
        for c in checks
    ]  # fmt: skip
    return _table(header, rows)


def render(result: dict) -> str:
    m = result["machine"]
    parts = [
        f"bench: {m['nproc']} CPUs ({m['cpu_model']}), {m['mem_total_mb']} MB, litellm {m['litellm']}, "
        f"httptools {m['httptools'] or 'not installed'}, load average {m['loadavg_start']} → {m.get('loadavg_end')}, "
        f"{result['duration_s']} s",
        "",
        "Points (latency = whole request; +p50 = gateway minus baseline; cpu s/1k = CPU seconds per 1,000 requests "
        "of the server: LiteLLM supervisor + workers, or the emulator for the baseline)",
        points_table(result),
        "",
        "Our callbacks vs built-in callbacks only (same run, alternating order)",
        comparison_table(result["callback_overhead"]),
    ]
    if result.get("alt_comparison"):
        parts += ["", f"{result['plan']['alt_label']} vs ours (same run)", comparison_table(result["alt_comparison"])]
    if result.get("versus_stock") and result["versus_stock"]["rows"]:
        parts += [
            "",
            "Versus stock (same run, alternating order; rps/vCPU = 1000 / CPU ms per request; ± = half the range of "
            "the ratio repeat by repeat)",
            versus_table(result["versus_stock"]),
        ]
    if result.get("sizing"):
        parts += [
            "",
            "Sizing model check: CPU ms per request = base + stream × stream share + per output token × tokens, "
            "calibrated in this run on uniform Claude Code requests (cal-plain-12, cal-stream-12, cal-stream-300), "
            "predicting the mix at the same concurrency",
            sizing_table(result["sizing"]),
        ]
    parts += ["", "Saturation (highest rps over the concurrency levels)", saturation_table(result)]
    return "\n".join(parts) + "\n"
