"""PNG plots of a bench or soak result (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

STYLE = {
    "baseline": ("black", "o"),
    "stock": ("tab:grey", "v"),
    "builtin": ("tab:blue", "s"),
    "ours": ("tab:orange", "^"),
    "tuned": ("tab:red", "*"),
    "portkey": ("tab:purple", "P"),
}


def _series(points: list[dict], scenario: str) -> dict[str, list[dict]]:
    series: dict[str, list[dict]] = {}
    for p in points:
        if p["scenario"] != scenario:
            continue
        label = p["target"] if p["workers"] is None else f"{p['target']} w={p['workers']}"
        series.setdefault(label, []).append(p)
    return {k: sorted(v, key=lambda p: p["concurrency"]) for k, v in series.items()}


def bench_png(result: dict, path: Path) -> Path:
    """Per scenario (columns): gateway requests/s, p50 latency (+ time to first token for streams), gateway CPU
    milliseconds per request, each against concurrency; solid = 1 worker, dashed = 2 workers."""
    scenarios = list(result["scenarios"])
    fig, axes = plt.subplots(3, len(scenarios), figsize=(5.2 * len(scenarios), 11), squeeze=False)
    for col, scenario in enumerate(scenarios):
        rps_ax, lat_ax, cpu_ax = axes[0][col], axes[1][col], axes[2][col]
        for label, pts in _series(result["points"], scenario).items():
            target = pts[0]["target"]
            color, marker = STYLE.get(target, ("tab:green", "d"))
            style = "--" if (pts[0]["workers"] or 1) > 1 else "-"
            conc = [p["concurrency"] for p in pts]
            kw = {"color": color, "marker": marker, "linestyle": style, "label": label}
            lat_ax.plot(conc, [_num(p["latency_ms"]["p50"]) for p in pts], **kw)
            if any(p["ttft_ms"] for p in pts):
                ttft = [_num((p["ttft_ms"] or {}).get("p50")) for p in pts]
                lat_ax.plot(conc, ttft, color=color, marker=marker, linestyle=":", alpha=0.6, label=f"{label} TTFT")
            if target != "baseline":  # the baseline's rps is off the gateway's scale: see the table
                rps_ax.plot(conc, [p["rps"] for p in pts], **kw)
                cpu_ax.plot(conc, [_num(p["cpu_s_per_1k"]) for p in pts], **kw)
        rps_ax.set_title(f"{scenario}: gateway requests/s")
        lat_ax.set_title(f"{scenario}: p50 latency, ms (dotted: TTFT p50)")
        lat_ax.set_yscale("log")
        cpu_ax.set_title(f"{scenario}: gateway CPU ms per request")
        levels = sorted({p["concurrency"] for p in result["points"]})
        for ax in (rps_ax, lat_ax, cpu_ax):
            ax.set_xscale("log", base=2)
            ax.set_xticks(levels, [str(c) for c in levels])
            if ax is not lat_ax:
                ax.minorticks_off()
            ax.set_xlabel("concurrency (closed loop)")
            ax.grid(True, alpha=0.3)
        rps_ax.set_ylim(bottom=0)
        cpu_ax.set_ylim(bottom=0)
        lat_ax.legend(fontsize=7)
    summary = {(s["scenario"], s["candidate"]): s for s in (result.get("versus_stock") or {}).get("summary", [])}
    ratios = ", ".join(
        f"{name}/stock {summary[('mix', name)]['rps_per_vcpu_ratio']:.2f}×"
        for name in ("builtin", "ours", "tuned", "portkey")
        if ("mix", name) in summary and summary[("mix", name)]["rps_per_vcpu_ratio"] is not None
    )
    fig.suptitle(
        f"Gateways vs emulator baseline, {result['machine']['nproc']} CPUs — Claude Code mix, requests/s per vCPU: "
        f"{ratios or '-'}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _num(value: float | None) -> float:
    return float("nan") if value is None else value


def soak_png(result: dict, path: Path) -> Path:
    if len(result.get("gateways") or []) > 1:
        return _soak_gateways_png(result, path)
    fig, ax = plt.subplots(figsize=(9, 5))
    for worker in result["workers"]:
        xs = [s["requests"] for s in result["samples"]]
        ys = [s["rss_mb"].get(str(worker["pid"])) for s in result["samples"]]
        ax.plot(xs, ys, marker=".", label=f"worker {worker['index']} ({_growth(worker)})")
    if any(s.get("supervisor_mb") for s in result["samples"]):
        ax.plot([s["requests"] for s in result["samples"]], [s.get("supervisor_mb") for s in result["samples"]],
                color="grey", linestyle=":", label="supervisor")  # fmt: skip
    ax.axvline(result["plan"]["warmup_requests"], color="grey", linewidth=0.8)
    ax.set_xlabel("requests served by the gateway")
    ax.set_ylabel("RSS (MB)")
    ax.set_title(f"Soak: {result['plan']['scenario']}, {result['plan']['workers']} worker(s), RSS per process")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def _growth(worker: dict) -> str:
    total, late = worker["growth_mb_per_10k"], worker["growth_mb_per_10k_second_half"]
    if total is None:
        return "growth -"
    return f"{total:+.1f} MB/10k after warm-up, {late:+.1f} in 2nd half" if late is not None else f"{total:+.1f} MB/10k"


def _soak_gateways_png(result: dict, path: Path) -> Path:
    """Several gateways side by side (worker recycling settings): the workers' summed RSS of each, restarts marked."""
    fig, ax = plt.subplots(figsize=(9, 5))
    for gateway in result["gateways"]:
        xs = [s["requests"] for s in gateway["samples"]]
        (line,) = ax.plot(xs, [s["workers_mb"] for s in gateway["samples"]], marker=".",
                          label=f"{gateway['name']} ({gateway['growth_mb_per_100k']:+.1f} MB/100k, "
                          f"{gateway['restarts']} restarts)")  # fmt: skip
        for s in gateway["samples"]:
            if s["restarts"]:
                ax.axvline(s["requests"], color=line.get_color(), linestyle=":", linewidth=0.8)
    ax.axvline(result["plan"]["warmup_requests"], color="grey", linewidth=0.8)
    ax.set_xlabel("requests served by each gateway")
    ax.set_ylabel("RSS of the workers, summed (MB)")
    plan = result["plan"]
    ax.set_title(f"Soak: {plan['scenario']}, {plan['workers']} workers per gateway (dotted: a restart)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
