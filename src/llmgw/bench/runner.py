"""The benchmark run: one emulator, the baseline (straight to the emulator), then for each worker count the
gateway variants (llmgw.bench.targets: stock, builtin, ours, tuned, and the peer in the first group) started side
by side and measured in alternating order (A B C D D C B A ...) so that drift and neighbours' load hit every
variant alike."""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from llmgw.paths import CONFIG

from . import procstat
from .loadgen import Measurement, measure
from .procs import Emulator, Gateway, run_emulator, run_gateways
from .scenarios import CALIBRATION, SCENARIOS, Scenario
from .targets import ALL_TARGETS, BUILTIN, OURS, PEER, STOCK, TUNED, write_configs

log = logging.getLogger(__name__)

BASELINE = "baseline"
__all__ = ["BASELINE", "BUILTIN", "OURS", "PEER", "STOCK", "TUNED", "Plan", "Runner", "Variant"]
MB = 1024 * 1024
ERROR_EXAMPLES = 3
WARM_S = 4.0  # a fresh gateway's warm-up per scenario: at most this long (or gateway_warmup requests)
MIN_REQUESTS = 5  # per measurement, also when that takes longer than its duration (long streams)


@dataclass(frozen=True)
class Variant:
    """A gateway configuration under test."""

    name: str
    config: Path
    venv_bin: Path | None = None
    stock: bool = False
    kind: str = "litellm"


@dataclass(frozen=True)
class Plan:
    scenarios: list[str]
    concurrency: list[int]
    workers: list[int]
    warmup_s: float
    duration_s: float
    max_requests: int
    repeats: int
    gateway_warmup_requests: int
    alt_venv: Path | None = None
    alt_label: str = "alt"
    targets: tuple[str, ...] = ALL_TARGETS
    config: Path = CONFIG
    """The shipped config every target is derived from (tuned = this file)."""
    calibrate: bool = True
    """Measure the sizing model's calibration scenarios (llmgw.bench.sizing) when the mix is measured."""

    def to_json(self) -> dict[str, object]:
        alt = str(self.alt_venv) if self.alt_venv else None
        return {**self.__dict__, "alt_venv": alt, "targets": list(self.targets), "config": str(self.config)}


@dataclass
class Accumulated:
    """One point (scenario, target, workers, concurrency) over its repeats."""

    latencies: list[float] = field(default_factory=list)
    ttfts: list[float] = field(default_factory=list)
    completed: int = 0
    window_s: float = 0.0
    failures: int = 0
    error_examples: list[str] = field(default_factory=list)
    server_cpu_s: float = 0.0
    emulator_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    sent: int = 0
    upstream_ops: Counter = field(default_factory=Counter)
    upstream_requests: int = 0
    output_tokens: int = 0
    rss_workers: dict[int, int] = field(default_factory=dict)
    worker_cpu_s: dict[int, float] = field(default_factory=dict)
    rss_supervisor: int | None = None
    rss_total: int = 0
    repeats: list[dict[str, float | None]] = field(default_factory=list)


def emulator_ops(emulator: Emulator) -> Counter:
    return emulator_counts(emulator)[0]


def emulator_counts(emulator: Emulator) -> tuple[Counter, int, int]:
    """Operations the emulator served so far, requests in all, output tokens it billed."""
    with urllib.request.urlopen(f"{emulator.url}/emulator/requests", timeout=10) as response:
        data = json.loads(response.read())
    billed = data.get("billed") or {}
    return Counter(data.get("by_operation", {})), int(data.get("total", 0)), int(billed.get("output_tokens", 0))


class CpuWindow:
    """CPU seconds of the server tree, the emulator and this client between the window's start and end, and of
    each server process (to see how evenly uvicorn's workers share the load)."""

    def __init__(self, server_pid: int, emulator_pid: int) -> None:
        self.server_pid, self.emulator_pid = server_pid, emulator_pid
        self.start: tuple[dict[int, float], float, float] = ({}, 0.0, 0.0)
        self.delta: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self.per_pid: dict[int, float] = {}

    def _read(self) -> tuple[dict[int, float], float, float]:
        server = {p: procstat.cpu_seconds(p) for p in procstat.tree(self.server_pid)}
        return server, procstat.cpu_seconds(self.emulator_pid), procstat.self_cpu_seconds()

    def __call__(self, edge: str) -> None:
        if edge == "start":
            self.start = self._read()
        else:
            end = self._read()
            self.per_pid = {p: cpu - self.start[0].get(p, 0.0) for p, cpu in end[0].items()}
            self.delta = (sum(self.per_pid.values()), end[1] - self.start[1], end[2] - self.start[2])


class Runner:
    def __init__(self, plan: Plan, run_dir: Path, progress: Callable[[str], None] = log.info) -> None:
        self.plan = plan
        self.run_dir = run_dir
        self.progress = progress
        self.scenarios: dict[str, Scenario] = {name: SCENARIOS[name]() for name in plan.scenarios}
        self.calibration: dict[str, Scenario] = (
            {name: factory() for name, factory in CALIBRATION.items()}
            if plan.calibrate and "mix" in plan.scenarios
            else {}
        )
        self.points: dict[tuple[str, str, int | None, int], Accumulated] = {}
        self.gateways: list[dict[str, object]] = []
        self.started = time.time()

    def variants(self, workers: int) -> list[Variant]:
        """The targets of one worker-count group; the peer (one Node process) joins the first group only."""
        configs = write_configs(self.run_dir, self.plan.config)
        variants = [Variant(name, configs[name], stock=name == STOCK) for name in self.plan.targets if name in configs]
        if self.plan.alt_venv is not None:
            variants.append(Variant(self.plan.alt_label, CONFIG, self.plan.alt_venv / "bin"))
        if PEER in self.plan.targets and workers == self.plan.workers[0]:
            variants.append(Variant(PEER, configs[TUNED], kind="portkey"))
        return variants

    async def run(self) -> None:
        with run_emulator(self.run_dir) as emulator:
            await self._baseline(emulator)
            for workers in self.plan.workers:
                await self._gateways(emulator, workers)

    # ------------------------------------------------------------------------------------------------------

    async def _baseline(self, emulator: Emulator) -> None:
        for scenario in self.scenarios.values():
            await self._warm(emulator.url, {}, scenario, BASELINE)
            for concurrency in self.plan.concurrency:  # once: the baseline is a reference, not a comparison
                await self._measure(emulator, emulator.url, {}, scenario, BASELINE, None, concurrency,
                                    emulator.process.pid)  # fmt: skip

    async def _gateways(self, emulator: Emulator, workers: int) -> None:
        variants = self.variants(workers)
        specs = [
            {"name": v.name, "config": v.config, "workers": workers, "venv_bin": v.venv_bin, "stock": v.stock,
             "kind": v.kind}
            for v in variants
        ]  # fmt: skip
        self.progress(
            f"starting {len(variants)} gateways with {workers} worker(s): {', '.join(v.name for v in variants)}"
        )
        with run_gateways(self.run_dir, emulator.url, specs) as gateways:
            by_name: dict[str, Gateway] = {g.name: g for g in gateways}
            for g in gateways:
                workers_now = procstat.worker_pids(g.process.pid, g.workers)
                self.gateways.append(
                    {
                        "name": g.name,
                        "kind": "portkey" if g.name == PEER else "litellm",
                        "stock": g.name == STOCK,
                        "extra_args": g.extra_args,
                        "workers": g.workers,
                        "config": str(g.config),
                        "venv_bin": str(g.venv_bin) if g.venv_bin else None,
                        "ready_s": g.ready_s,  # start-up while the other gateways started too
                        "loaded": procstat.loaded_libraries(workers_now[0]) if workers_now else {},
                    }
                )
            top = [max(self.plan.concurrency)]
            work = [(s, self.plan.concurrency) for s in self.scenarios.values()]
            work += [(s, top) for s in self.calibration.values()]  # the sizing model's: at the top concurrency
            for scenario, levels in work:
                for gateway in gateways:
                    await self._warm(gateway.url, gateway.auth, scenario, gateway.name)
                for concurrency in levels:
                    for repeat in range(self.plan.repeats):
                        order = variants if repeat % 2 == 0 else list(reversed(variants))
                        for variant in order:
                            gateway = by_name[variant.name]
                            await self._measure(emulator, gateway.url, gateway.auth, scenario, gateway.name,
                                                gateway.workers, concurrency, gateway.process.pid)  # fmt: skip

    async def _warm(self, url: str, headers: dict[str, str], scenario: Scenario, target: str) -> None:
        """Load code paths, connection pools and the emulator's prompt cache before anything is measured."""
        pool = scenario.pool(BASELINE if target == BASELINE else target)
        count = self.plan.gateway_warmup_requests
        result = await measure(url, headers, pool, concurrency=min(4, count), warmup_s=0, duration_s=WARM_S,
                               max_requests=count, min_requests=1)  # fmt: skip
        if result.completed_in_window == 0:
            raise RuntimeError(f"warm-up of {target} / {scenario.name} failed: {result.errors[:1]}")

    async def _measure(
        self,
        emulator: Emulator,
        url: str,
        headers: dict[str, str],
        scenario: Scenario,
        target: str,
        workers: int | None,
        concurrency: int,
        server_pid: int,
    ) -> None:
        key = (scenario.name, target, workers, concurrency)
        acc = self.points.setdefault(key, Accumulated())
        cpu = CpuWindow(server_pid, emulator.process.pid)
        ops_before, total_before, tokens_before = emulator_counts(emulator)
        result: Measurement = await measure(
            url,
            headers,
            scenario.pool(target),
            concurrency=concurrency,
            warmup_s=self.plan.warmup_s,
            duration_s=self.plan.duration_s,
            max_requests=self.plan.max_requests,
            min_requests=max(MIN_REQUESTS, concurrency),
            on_window=cpu,
            offset=len(acc.repeats) * 7,
        )
        ops_after, total_after, tokens_after = emulator_counts(emulator)
        acc.upstream_ops.update(ops_after - ops_before)
        acc.upstream_requests += total_after - total_before
        acc.output_tokens += tokens_after - tokens_before
        ok = [s for s in result.samples if s.ok]
        acc.latencies.extend(s.end - s.start for s in ok)
        acc.ttfts.extend(s.ttft for s in ok if s.ttft is not None)
        acc.completed += result.completed_in_window
        acc.window_s += result.window_s
        acc.failures += len(result.errors)
        acc.error_examples.extend(result.errors[: max(0, ERROR_EXAMPLES - len(acc.error_examples))])
        acc.server_cpu_s += cpu.delta[0]
        acc.emulator_cpu_s += cpu.delta[1]
        acc.client_cpu_s += cpu.delta[2]
        acc.sent += result.sent
        snapshot = procstat.sample(server_pid, workers or 1)
        for pid in snapshot.workers:
            acc.worker_cpu_s[pid] = acc.worker_cpu_s.get(pid, 0.0) + cpu.per_pid.get(pid, 0.0)
            acc.rss_workers[pid] = max(acc.rss_workers.get(pid, 0), snapshot.rss.get(pid, 0))
        if workers and workers > 1:
            acc.rss_supervisor = max(acc.rss_supervisor or 0, snapshot.rss.get(server_pid, 0))
        acc.rss_total = max(acc.rss_total, sum(snapshot.rss.values()))
        rps = result.completed_in_window / result.window_s if result.window_s else 0.0
        lat = sorted(s.end - s.start for s in ok)
        p50 = lat[len(lat) // 2] * 1000 if lat else None
        cpu_per_1k = cpu.delta[0] / result.completed_in_window * 1000 if result.completed_in_window else None
        acc.repeats.append({"rps": round(rps, 2), "p50_ms": p50 and round(p50, 3), "cpu_s_per_1k": cpu_per_1k})
        self.progress(
            f"{scenario.name:6} {target:9} w={workers or '-'} c={concurrency:<3} {rps:8.1f} rps  "
            f"p50 {p50 if p50 is not None else float('nan'):8.2f} ms  errors {len(result.errors)}"
        )
