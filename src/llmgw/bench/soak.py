"""Soak: resident memory of each LiteLLM worker sampled while the gateway (the shipped config, i.e. the tuned
profile) serves tens or hundreds of thousands of requests; growth per 10,000 requests is the least-squares slope
after the warm-up, and over the second half of the run alone (Python's memory rises for a while after start-up,
then steps: the second-half slope is the steady-state figure).

With ``recycle`` several gateways run side by side, one per worker-recycling setting (``None`` = off, N =
``--max_requests_before_restart N`` with a jitter of N/2 so that the workers of a task do not restart together: a
replacement worker takes 10–180 s to start, and with a jitter of N/10 both workers of a task were down at once in a
trial run), each driven by its own closed-loop clients, so that the machine's drift hits them alike. Recycling needs
a supervisor (uvicorn restarts a worker that exits), i.e. at least 2 workers. Per gateway: MB per 100,000 requests
(slope of the workers' summed RSS), worker restarts seen (a worker pid replaced), and what the restarts cost:
requests/s and p99 latency of the sample intervals with a restart against the others.
The run is bounded in requests and in time (``max_seconds``): whichever comes first.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from llmgw.paths import CONFIG

from . import procstat
from .loadgen import RECONNECT_EVERY, REQUEST_TIMEOUT_S, send
from .procs import Gateway, run_emulator, run_gateways
from .runner import MB
from .scenarios import SCENARIOS
from .stats import percentile, slope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SoakPlan:
    scenarios: list[str]
    workers: int
    concurrency: int
    requests: int
    sample_every: int
    warmup_requests: int
    venv: Path | None = None
    recycle: tuple[int | None, ...] = (None,)
    """One gateway per entry: None = no recycling, N = --max_requests_before_restart N."""
    max_seconds: float | None = None
    config: Path = field(default=CONFIG)

    def to_json(self) -> dict[str, object]:
        return {
            **self.__dict__,
            "scenario": "+".join(self.scenarios),
            "venv": str(self.venv) if self.venv else None,
            "config": str(self.config),
            "recycle": list(self.recycle),
        }


def recycle_args(recycle: int | None) -> str:
    if recycle is None:
        return ""
    return f"--max_requests_before_restart {recycle} --max_requests_before_restart_jitter {max(1, recycle // 2)}"


def gateway_name(recycle: int | None) -> str:
    return "recycle-off" if recycle is None else f"recycle-{recycle}"


class _Track:
    """Samples of one gateway: RSS per worker, interval throughput and latency, worker restarts."""

    def __init__(self, gateway: Gateway, plan: SoakPlan, progress: Callable[[str], None]) -> None:
        self.gateway, self.plan, self.progress = gateway, plan, progress
        self.root = gateway.process.pid
        self.samples: list[dict] = []
        self.latencies: list[float] = []
        self.t0 = time.perf_counter()
        self.cpu0 = procstat.tree_cpu_seconds(self.root)
        self.last_pids: set[int] = set(procstat.worker_pids(self.root, plan.workers))
        self.restarts = 0

    def sample(self, completed: int, failures: int) -> None:
        snap = procstat.sample(self.root, self.plan.workers)
        pids = set(snap.workers)
        replaced = len(self.last_pids - pids) if self.samples else 0
        self.restarts += replaced
        self.last_pids = pids or self.last_pids
        now = round(time.perf_counter() - self.t0, 2)
        previous = self.samples[-1] if self.samples else None
        interval_s = now - previous["elapsed_s"] if previous else 0.0
        lat = self.latencies
        self.samples.append(
            {
                "requests": completed,
                "failures": failures,
                "elapsed_s": now,
                "rss_mb": {str(pid): round(snap.rss.get(pid, 0) / MB, 2) for pid in snap.workers},
                "workers_mb": round(sum(snap.rss.get(pid, 0) for pid in snap.workers) / MB, 2),
                "supervisor_mb": round(snap.rss.get(self.root, 0) / MB, 2) if self.plan.workers > 1 else None,
                "total_mb": round(sum(snap.rss.values()) / MB, 2),
                "restarts": replaced,
                "interval_rps": round((completed - previous["requests"]) / interval_s, 2)
                if previous and interval_s > 0
                else None,
                "interval_p50_ms": round(percentile(lat, 50) * 1000, 2) if lat else None,
                "interval_p99_ms": round(percentile(lat, 99) * 1000, 2) if lat else None,
            }
        )
        self.latencies = []
        step = max(self.plan.sample_every, self.plan.requests // 10)
        if completed % step < self.plan.sample_every:
            rss = ", ".join(f"{v:.0f}" for v in self.samples[-1]["rss_mb"].values())
            self.progress(
                f"soak {self.gateway.name}: {completed:>7}/{self.plan.requests} requests, {failures} failures, "
                f"{self.restarts} restarts, RSS per worker MB: {rss}"
            )


async def _drive(track: _Track, pool: list, plan: SoakPlan, deadline: float | None) -> tuple[float, int, int]:
    """Send ``plan.requests`` requests (or until ``deadline``) in a closed loop; sample every ``sample_every``
    completions. Returns the elapsed seconds, completions and failures."""
    state = {"next": 0, "completed": 0, "failures": 0, "next_sample": plan.sample_every}
    gateway = track.gateway
    connector = aiohttp.TCPConnector(limit=plan.concurrency, limit_per_host=plan.concurrency)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as s:

        async def worker() -> None:
            sent = 0
            while state["next"] < plan.requests and (deadline is None or time.monotonic() < deadline):
                request = pool[state["next"] % len(pool)]
                state["next"] += 1
                sent += 1
                sample = await send(s, gateway.url, gateway.auth, request, close=sent % RECONNECT_EVERY == 0)
                state["completed"] += 1
                state["failures"] += 0 if sample.ok else 1
                if sample.ok:
                    track.latencies.append(sample.end - sample.start)
                if state["completed"] >= state["next_sample"]:
                    state["next_sample"] += plan.sample_every
                    track.sample(state["completed"], state["failures"])

        await asyncio.gather(*(worker() for _ in range(plan.concurrency)))
    return time.perf_counter() - started, state["completed"], state["failures"]


async def run_soak(plan: SoakPlan, run_dir: Path, progress: Callable[[str], None] = log.info) -> dict:
    pools = [SCENARIOS[name]().gateway for name in plan.scenarios]
    pool = [r for group in itertools.zip_longest(*pools) for r in group if r is not None]
    started = time.time()
    venv_bin = plan.venv and plan.venv / "bin"
    specs = [
        {"name": gateway_name(r), "config": plan.config, "workers": plan.workers, "venv_bin": venv_bin,
         "extra_args": recycle_args(r)}
        for r in plan.recycle
    ]  # fmt: skip
    results = []
    with run_emulator(run_dir) as emulator, run_gateways(run_dir, emulator.url, specs) as gateways:
        deadline = time.monotonic() + plan.max_seconds if plan.max_seconds else None
        tracks = [_Track(g, plan, progress) for g in gateways]
        for track in tracks:
            track.sample(0, 0)
        outcomes = await asyncio.gather(*(_drive(t, pool, plan, deadline) for t in tracks))
        for track, recycle, (elapsed, completed, failures) in zip(tracks, plan.recycle, outcomes, strict=True):
            if track.samples[-1]["requests"] != completed:
                track.sample(completed, failures)
            cpu = procstat.tree_cpu_seconds(track.root) - track.cpu0
            results.append(_gateway_result(track, recycle, elapsed, cpu))
    first = results[0]
    return {
        "schema_version": 2,
        "kind": "soak",
        "started": started,
        "finished": time.time(),
        "plan": plan.to_json(),
        "bounded_by_time": any(r["samples"][-1]["requests"] < plan.requests for r in results),
        **{k: first[k] for k in ("elapsed_s", "rps", "failures", "cpu_s_per_1k", "workers", "samples")},
        "gateways": results,
    }


def _gateway_result(track: _Track, recycle: int | None, elapsed: float, cpu: float) -> dict:
    samples, plan = track.samples, track.plan
    final = samples[-1]
    worker_cpu = {p: procstat.cpu_seconds(p) for p in procstat.worker_pids(track.root, plan.workers)}
    after = [s for s in samples if s["requests"] >= plan.warmup_requests]
    per_request = (
        slope([s["requests"] for s in after], [s["workers_mb"] for s in after]) if len(after) >= 2 else math.nan
    )
    return {
        "name": track.gateway.name,
        "recycle": recycle,
        "extra_args": track.gateway.extra_args,
        "elapsed_s": round(elapsed, 1),
        "rps": round(final["requests"] / elapsed, 1) if elapsed else None,
        "failures": final["failures"],
        "cpu_s_per_1k": round(cpu / final["requests"] * 1000, 3) if final["requests"] else None,
        "growth_mb_per_100k": None if math.isnan(per_request) else round(per_request * 100_000, 1),
        "growth_mb_per_100k_per_worker": None
        if math.isnan(per_request)
        else round(per_request * 100_000 / plan.workers, 1),
        "workers_mb_after_warmup": after[0]["workers_mb"] if after else None,
        "workers_mb_end": final["workers_mb"],
        "workers_mb_max": max(s["workers_mb"] for s in samples),
        "restarts": track.restarts,
        "restart_cost": _restart_cost(samples),
        "workers": _growth(samples, plan.warmup_requests, worker_cpu),
        "samples": samples,
    }


def _restart_cost(samples: list[dict]) -> dict:
    """Requests/s and p99 of the sample intervals in which a worker was replaced, against the other intervals."""
    measured = [s for s in samples[1:] if s["interval_rps"] is not None]
    hit = [s for s in measured if s["restarts"]]
    calm = [s for s in measured if not s["restarts"]]

    def median(rows: list[dict], key: str) -> float | None:
        values = [r[key] for r in rows if r[key] is not None]
        return round(statistics.median(values), 2) if values else None

    result = {
        "intervals_with_restart": len(hit),
        "intervals_without": len(calm),
        "rps_with_restart": median(hit, "interval_rps"),
        "rps_without": median(calm, "interval_rps"),
        "p99_ms_with_restart": median(hit, "interval_p99_ms"),
        "p99_ms_without": median(calm, "interval_p99_ms"),
        "failures_in_restart_intervals": sum(
            s["failures"] - p["failures"] for p, s in itertools.pairwise(samples) if s["restarts"]
        ),
    }
    rps_hit, rps_calm = result["rps_with_restart"], result["rps_without"]
    result["rps_change"] = round(rps_hit / rps_calm - 1, 4) if rps_hit and rps_calm else None
    return result


def _growth(samples: list[dict], warmup: int, worker_cpu: dict[int, float]) -> list[dict]:
    """Per worker alive at the end: RSS after warm-up (or its first sample) and at the end, and the slope in MB
    per 10,000 requests after warm-up."""
    pids = list(samples[-1]["rss_mb"]) if samples else []
    total_cpu = sum(worker_cpu.values()) or 1.0
    workers = []
    for index, pid in enumerate(pids, start=1):
        after = [(s["requests"], s["rss_mb"][pid]) for s in samples if s["requests"] >= warmup and pid in s["rss_mb"]]
        per_request = slope([x for x, _ in after], [y for _, y in after]) if len(after) >= 2 else float("nan")
        half = [(x, y) for x, y in after if x >= (after[0][0] + after[-1][0]) / 2] if after else []
        per_request_late = slope([x for x, _ in half], [y for _, y in half]) if len(half) >= 2 else float("nan")
        workers.append(
            {
                "index": index,
                "pid": int(pid),
                "rss_mb_after_warmup": after[0][1] if after else None,
                "rss_mb_end": after[-1][1] if after else None,
                "growth_mb_per_10k": _per_10k(per_request),
                "growth_mb_per_10k_second_half": _per_10k(per_request_late),
                "cpu_share": round(worker_cpu.get(int(pid), 0.0) / total_cpu, 3),
            }
        )
    return workers


def _per_10k(per_request: float) -> float | None:
    return None if math.isnan(per_request) else round(per_request * 10_000, 2)


def _mb(value: float | None, spec: str = "+.1f") -> str:
    return "-" if value is None else format(value, spec)


def render(result: dict) -> str:
    plan = result["plan"]
    lines: list[str] = []
    for g in result["gateways"]:
        lines += [
            f"soak {g['name']}: {plan['scenario']}, {plan['workers']} worker(s), concurrency {plan['concurrency']}, "
            f"{g['samples'][-1]['requests']} requests in {g['elapsed_s']} s ({g['rps']} rps), "
            f"{g['failures']} failures, {g['cpu_s_per_1k']} CPU s per 1,000 requests",
            f"{'worker':>6}  {'pid':>7}  {'RSS after warm-up MB':>20}  {'RSS end MB':>10}  {'growth MB/10k req':>17}  "
            f"{'2nd half MB/10k':>15}  {'CPU share':>9}",
        ]
        for w in g["workers"]:
            growth = "-" if w["growth_mb_per_10k"] is None else f"{w['growth_mb_per_10k']:+.2f}"
            late = "-" if w["growth_mb_per_10k_second_half"] is None else f"{w['growth_mb_per_10k_second_half']:+.2f}"
            lines.append(
                f"{w['index']:>6}  {w['pid']:>7}  {w['rss_mb_after_warmup'] or 0:>20.1f}  {w['rss_mb_end'] or 0:>10.1f}"
                f"  {growth:>17}  {late:>15}  {w['cpu_share'] * 100:>8.0f}%"
            )
        cost = g["restart_cost"]
        lines.append(
            f"workers' RSS: {_mb(g['workers_mb_after_warmup'], '.0f')} MB after warm-up, "
            f"{_mb(g['workers_mb_end'], '.0f')} MB at the end, {_mb(g['workers_mb_max'], '.0f')} MB at most; "
            f"growth {_mb(g['growth_mb_per_100k'])} MB per 100k requests ({_mb(g['growth_mb_per_100k_per_worker'])} "
            f"per worker); {g['restarts']} worker restarts"
        )
        if g["restarts"]:
            change = "-" if cost["rps_change"] is None else f"{cost['rps_change'] * 100:+.1f}%"
            lines.append(
                f"restart cost: {cost['intervals_with_restart']} sample intervals with a restart: "
                f"{cost['rps_with_restart']} rps vs {cost['rps_without']} ({change}), p99 "
                f"{cost['p99_ms_with_restart']} ms vs {cost['p99_ms_without']} ms, "
                f"{cost['failures_in_restart_intervals']} failures in them"
            )
        lines.append("")
    if result.get("bounded_by_time"):
        lines.append(f"bounded by time: stopped after {plan['max_seconds']} s, before {plan['requests']} requests")
    return "\n".join(lines).rstrip("\n") + "\n"
