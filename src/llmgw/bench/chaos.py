"""The fault matrix, measured (`make chaos`): a bounded load through the real gateway (2 workers) while the Bedrock
emulator injects throttling, 5xx, latency spikes and mid-stream failures and one worker is killed (SIGKILL).

Each request carries one emulator directive (the emulator's fault injection; the gateway forwards the prompt), so the
cause of every failure is known. At the end the gateway's own counters (llmgw_requests_total by outcome, scraped
once no request is in flight) are compared with what the clients saw:

* hung: requests with no answer within REQUEST_TIMEOUT_S (must be 0);
* metrics lost: requests the clients sent that the gateway counted under no outcome (must be 0), apart from
* unseen: requests whose connection the killed worker had accepted but not yet handed to LiteLLM's hooks (HTTP
  parsing, authentication: a few milliseconds). No callback can count them; behind the ALB they are its 502s
  (HTTPCode_ELB_502_Count). They are the connections lost beyond the worker_lost count;
* unexpected: requests without a fault that failed, other than those in flight on the killed worker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from .procs import Gateway, run_emulator, run_gateways

log = logging.getLogger(__name__)
REQUEST_TIMEOUT_S = 60.0
MODEL = "claude-haiku-4-5"  # no fallback model: a fault reaches the client (fallbacks are tested elsewhere)


@dataclass(frozen=True)
class Fault:
    name: str
    directive: str
    stream: bool
    weight: float
    fails: bool  # the client must see a failure (the gateway retries once, the directive applies to every attempt)


FAULTS = (
    Fault("none", "", False, 0.25, False),
    Fault("none (stream)", "", True, 0.25, False),
    Fault("latency spike 1.5 s", "fault=slow_first_byte delay_ms=1500", True, 0.15, False),
    Fault("throttling 429", "fault=throttle", False, 0.10, True),
    Fault("bedrock 5xx", "fault=internal", False, 0.10, True),
    Fault("mid-stream error", "fault=stream_error after_frames=4", True, 0.075, True),
    Fault("mid-stream drop", "fault=drop after_frames=4", True, 0.075, True),
)


@dataclass(frozen=True)
class ChaosPlan:
    requests: int = 240
    clients: int = 8
    duration_s: float = 120.0
    workers: int = 2
    kill_at: float = 0.4  # share of the requests sent when a worker is killed
    seed: int = 16


@dataclass
class Result:
    fault: str
    expected_failure: bool
    outcome: str  # ok | http <status> | stream error | connection lost | hung
    seconds: float


@dataclass
class ChaosRun:
    plan: ChaosPlan
    results: list[Result] = field(default_factory=list)
    killed_pid: int | None = None
    killed_in_flight: int = 0
    counted: dict[str, float] = field(default_factory=dict)
    counted_before: dict[str, float] = field(default_factory=dict)


def _requests_by_outcome(text: str) -> dict[str, float]:
    found: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "llmgw_requests_total":
                found[sample.labels.get("outcome", "")] += sample.value
    return dict(found)


def _scrape(client: httpx.Client, gateway: Gateway) -> tuple[dict[str, float], float]:
    text = client.get(f"{gateway.url}/metrics/", headers=gateway.auth).text
    in_flight = sum(
        s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == "llmgw_in_flight_requests"
    )
    return _requests_by_outcome(text), in_flight


def _in_flight_by_pid(directory: Path) -> dict[int, int]:
    found = {}
    for path in directory.glob("llmgw-inflight-*-*.json"):
        try:
            found[int(path.stem.rsplit("-", 1)[1])] = len(json.loads(path.read_text() or "{}"))
        except (OSError, ValueError):
            continue
    return found


def _body(fault: Fault, index: int) -> dict:
    text = f"chaos request {index} [emulator output_tokens=24 tps=40 {fault.directive}]"
    return {"model": MODEL, "max_tokens": 64, "stream": fault.stream, "messages": [{"role": "user", "content": text}]}


async def _one(client: httpx.AsyncClient, gateway: Gateway, fault: Fault, index: int) -> Result:
    started = time.monotonic()
    headers = {**gateway.auth, "Connection": "close"}  # a new connection each time: the kernel spreads workers
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_S):
            async with client.stream("POST", f"{gateway.url}/v1/chat/completions", json=_body(fault, index),
                                     headers=headers) as r:  # fmt: skip
                text = (await r.aread()).decode(errors="replace")
        if r.status_code != 200:
            outcome = f"http {r.status_code}"
        elif fault.stream and ("[DONE]" not in text or '"error"' in text[-800:]):
            outcome = "stream error"
        else:
            outcome = "ok"
    except TimeoutError:
        outcome = "hung"
    except httpx.HTTPError:
        outcome = "connection lost"
    return Result(fault.name, fault.fails, outcome, round(time.monotonic() - started, 2))


async def _load(run: ChaosRun, gateway: Gateway, kill: Callable[[], None]) -> None:
    plan = run.plan
    rng = random.Random(plan.seed)
    faults = rng.choices(FAULTS, weights=[f.weight for f in FAULTS], k=plan.requests)
    deadline = time.monotonic() + plan.duration_s
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(plan.requests):
        queue.put_nowait(index)
    kill_after = int(plan.requests * plan.kill_at)
    started = 0
    limits = httpx.Limits(max_connections=plan.clients * 2)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:

        async def worker() -> None:
            nonlocal started
            while time.monotonic() < deadline:
                try:
                    index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started += 1
                if started == kill_after:
                    await asyncio.sleep(0.5)  # let the requests just sent reach their workers
                    kill()
                run.results.append(await _one(client, gateway, faults[index], index))

        await asyncio.gather(*(worker() for _ in range(plan.clients)))


def run_chaos(plan: ChaosPlan, log_dir: Path, progress: Callable[[str], None] = log.info) -> ChaosRun:
    run = ChaosRun(plan)
    with run_emulator(log_dir) as emulator, run_gateways(log_dir, emulator.url, [
        {"name": "chaos", "workers": plan.workers}
    ]) as (gateway,), httpx.Client(timeout=30) as http:  # fmt: skip
        multiproc = Path(gateway.process.env["PROMETHEUS_MULTIPROC_DIR"])
        run.counted_before, _ = _scrape(http, gateway)

        def kill() -> None:
            by_pid = _in_flight_by_pid(multiproc)
            if not by_pid:
                progress("no worker had requests in flight: nothing killed")
                return
            run.killed_pid = max(by_pid, key=by_pid.get)
            run.killed_in_flight = by_pid[run.killed_pid]
            progress(f"SIGKILL worker {run.killed_pid} with {run.killed_in_flight} request(s) in flight")
            os.kill(run.killed_pid, signal.SIGKILL)

        progress(f"chaos: {plan.requests} requests from {plan.clients} clients against {gateway.url}")
        asyncio.run(_load(run, gateway, kill))
        deadline = time.monotonic() + 60  # the survivors count the dead worker's requests within a few seconds
        while True:
            counted, in_flight = _scrape(http, gateway)
            settled = sum(counted.values()) - sum(run.counted_before.values()) >= len(run.results)
            if (in_flight == 0 and settled) or time.monotonic() > deadline:
                break
            time.sleep(1)
        run.counted = counted
    return run


def summarize(run: ChaosRun) -> dict:
    results = run.results
    counted = {k: run.counted.get(k, 0.0) - run.counted_before.get(k, 0.0) for k in run.counted}
    failed = Counter(r.outcome for r in results if r.outcome not in ("ok", "hung"))
    by_fault: dict[str, Counter[str]] = {}
    for r in results:
        by_fault.setdefault(r.fault, Counter())[r.outcome] += 1
    unexpected_ok = sum(1 for r in results if r.expected_failure and r.outcome == "ok")
    unexpected_failed = sum(1 for r in results if not r.expected_failure and r.outcome not in ("ok",))
    lost_to_kill = min(unexpected_failed, failed.get("connection lost", 0))
    unseen = max(0, failed.get("connection lost", 0) - round(counted.get("worker_lost", 0.0)))
    return {
        "sent": len(results),
        "succeeded": sum(r.outcome == "ok" for r in results),
        "failed_by_cause": dict(sorted(failed.items())),
        "hung": sum(r.outcome == "hung" for r in results),
        "metrics_counted": round(sum(counted.values())),
        "unseen": unseen,
        "metrics_lost": len(results) - round(sum(counted.values())) - unseen,
        "gateway_outcomes": {k: round(v) for k, v in sorted(counted.items()) if v},
        "by_fault": {k: dict(v) for k, v in sorted(by_fault.items())},
        "killed_worker_in_flight": run.killed_in_flight,
        "unexpected_failures": unexpected_failed - lost_to_kill,
        "unexpected_successes": unexpected_ok,
        "max_seconds": max((r.seconds for r in results), default=0.0),
        "plan": run.plan.__dict__,
    }


def render(summary: dict) -> str:
    rows = [
        ("requests sent", summary["sent"]),
        ("succeeded", summary["succeeded"]),
        *((f"failed: {cause}", n) for cause, n in summary["failed_by_cause"].items()),
        ("hung (no answer in 60 s; must be 0)", summary["hung"]),
        ("metrics lost (must be 0)", summary["metrics_lost"]),
        ("unseen: killed before the gateway's hooks", summary["unseen"]),
        ("in flight on the killed worker", summary["killed_worker_in_flight"]),
        ("unexpected failures (must be 0)", summary["unexpected_failures"]),
    ]
    width = max(len(name) for name, _ in rows)
    lines = ["Fault matrix (bench.py chaos)", ""]
    lines += [f"  {name:<{width}}  {value:>6}" for name, value in rows]
    lines += ["", "  gateway's llmgw_requests_total by outcome:"]
    lines += [f"    {k:<20} {v:>6}" for k, v in summary["gateway_outcomes"].items()]
    lines += ["", "  by injected fault (client view):"]
    for fault, outcomes in summary["by_fault"].items():
        lines.append(f"    {fault:<22} " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    return "\n".join(lines) + "\n"


def passed(summary: dict) -> bool:
    return summary["hung"] == 0 and summary["metrics_lost"] == 0 and summary["unexpected_failures"] == 0
