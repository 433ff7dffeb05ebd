"""Soak: resident memory of each LiteLLM worker sampled while the gateway (repo config, our callbacks) serves
tens of thousands of requests; growth per 10,000 requests is the least-squares slope after the warm-up, and over
the second half of the run alone (Python's memory rises for a while after start-up, then steps: the second-half
slope is the steady-state figure)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from llmgw.paths import CONFIG

from . import procstat
from .loadgen import RECONNECT_EVERY, REQUEST_TIMEOUT_S, send
from .procs import run_emulator, run_gateways
from .runner import MB
from .scenarios import SCENARIOS
from .stats import slope

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

    def to_json(self) -> dict[str, object]:
        return {**self.__dict__, "scenario": "+".join(self.scenarios), "venv": str(self.venv) if self.venv else None}


async def _drive(
    url: str, headers: dict[str, str], pool: list, plan: SoakPlan, on_sample: Callable[[int, int], None]
) -> tuple[float, int, int]:
    """Send ``plan.requests`` requests in a closed loop; call ``on_sample(completed, failures)`` every
    ``sample_every`` completions. Returns the elapsed seconds, completions and failures."""
    state = {"next": 0, "completed": 0, "failures": 0, "next_sample": plan.sample_every}
    connector = aiohttp.TCPConnector(limit=plan.concurrency, limit_per_host=plan.concurrency)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as s:

        async def worker() -> None:
            sent = 0
            while state["next"] < plan.requests:
                request = pool[state["next"] % len(pool)]
                state["next"] += 1
                sent += 1
                sample = await send(s, url, headers, request, close=sent % RECONNECT_EVERY == 0)
                state["completed"] += 1
                state["failures"] += 0 if sample.ok else 1
                if state["completed"] >= state["next_sample"]:
                    state["next_sample"] += plan.sample_every
                    on_sample(state["completed"], state["failures"])

        await asyncio.gather(*(worker() for _ in range(plan.concurrency)))
    return time.perf_counter() - started, state["completed"], state["failures"]


async def run_soak(plan: SoakPlan, run_dir: Path, progress: Callable[[str], None] = log.info) -> dict:
    pools = [SCENARIOS[name]().gateway for name in plan.scenarios]
    pool = [r for group in itertools.zip_longest(*pools) for r in group if r is not None]
    samples: list[dict] = []
    started = time.time()
    with (
        run_emulator(run_dir) as emulator,
        run_gateways(
            run_dir,
            emulator.url,
            [{"name": "ours", "config": CONFIG, "workers": plan.workers, "venv_bin": plan.venv and plan.venv / "bin"}],
        ) as (gateway,),
    ):
        root = gateway.process.pid
        t0 = time.perf_counter()
        cpu0 = {p: procstat.cpu_seconds(p) for p in procstat.tree(root)}

        def on_sample(completed: int, failures: int) -> None:
            snap = procstat.sample(root, plan.workers)
            samples.append(
                {
                    "requests": completed,
                    "failures": failures,
                    "elapsed_s": round(time.perf_counter() - t0, 2),
                    "rss_mb": {str(pid): round(snap.rss.get(pid, 0) / MB, 2) for pid in snap.workers},
                    "supervisor_mb": round(snap.rss.get(root, 0) / MB, 2) if plan.workers > 1 else None,
                    "total_mb": round(sum(snap.rss.values()) / MB, 2),
                }
            )
            if completed % max(plan.sample_every, plan.requests // 10) < plan.sample_every:
                rss = ", ".join(f"{v:.0f}" for v in samples[-1]["rss_mb"].values())
                progress(f"soak {completed:>7}/{plan.requests} requests, {failures} failures, RSS per worker MB: {rss}")

        on_sample(0, 0)
        elapsed, completed, failures = await _drive(gateway.url, gateway.auth, pool, plan, on_sample)
        if samples[-1]["requests"] != completed:
            on_sample(completed, failures)
        cpu_by_pid = {p: procstat.cpu_seconds(p) - cpu0.get(p, 0.0) for p in procstat.tree(root)}
        worker_cpu = {p: cpu_by_pid.get(p, 0.0) for p in procstat.worker_pids(root, plan.workers)}
        cpu = sum(cpu_by_pid.values())
        final = samples[-1]
    return {
        "schema_version": 1,
        "kind": "soak",
        "started": started,
        "finished": time.time(),
        "plan": plan.to_json(),
        "elapsed_s": round(elapsed, 1),
        "rps": round(final["requests"] / elapsed, 1) if elapsed else None,
        "failures": final["failures"],
        "cpu_s_per_1k": round(cpu / final["requests"] * 1000, 3) if final["requests"] else None,
        "workers": _growth(samples, plan.warmup_requests, worker_cpu),
        "samples": samples,
    }


def _growth(samples: list[dict], warmup: int, worker_cpu: dict[int, float]) -> list[dict]:
    """Per worker: RSS after warm-up and at the end, and the slope in MB per 10,000 requests after warm-up."""
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


def render(result: dict) -> str:
    plan = result["plan"]
    lines = [
        f"soak: {plan['scenario']}, {plan['workers']} worker(s), concurrency {plan['concurrency']}, "
        f"{result['samples'][-1]['requests']} requests in {result['elapsed_s']} s ({result['rps']} rps), "
        f"{result['failures']} failures, {result['cpu_s_per_1k']} CPU s per 1,000 requests",
        f"{'worker':>6}  {'pid':>7}  {'RSS after warm-up MB':>20}  {'RSS end MB':>10}  {'growth MB/10k req':>17}  "
        f"{'2nd half MB/10k':>15}  {'CPU share':>9}",
    ]
    for w in result["workers"]:
        growth = "-" if w["growth_mb_per_10k"] is None else f"{w['growth_mb_per_10k']:+.2f}"
        late = "-" if w["growth_mb_per_10k_second_half"] is None else f"{w['growth_mb_per_10k_second_half']:+.2f}"
        lines.append(
            f"{w['index']:>6}  {w['pid']:>7}  {w['rss_mb_after_warmup'] or 0:>20.1f}  {w['rss_mb_end'] or 0:>10.1f}  "
            f"{growth:>17}  {late:>15}  {w['cpu_share'] * 100:>8.0f}%"
        )
    return "\n".join(lines) + "\n"
