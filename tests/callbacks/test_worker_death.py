"""A worker that dies mid-request loses nothing silently: its in-flight requests are counted as
outcome="worker_lost" by a surviving worker, its live series (in-flight gauge, memory, CPU) leave the aggregate,
and the next requests are answered. LiteLLM 1.106.2 alone never counted those requests (the clients saw "Server
disconnected" and llmgw_requests_total did not move)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from callbacks.scrape import scrape, wait_for
from llmgw.stack.env import LITELLM_BASE_ENV, process_env
from llmgw_callbacks.worker_lost import InFlightFile, count_dead_workers
from support.stack import Gateway, run_gateway

pytestmark = pytest.mark.slow


def test_the_requests_of_a_dead_worker_are_counted_once(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process that existed and is gone (reaped)
    master = os.getpid()
    lost = InFlightFile(str(tmp_path), pid=dead.pid, master=master)
    lost.add("call-1", {"team": "platform", "user": "alice", "model_group": "claude-haiku-5-5"})
    lost.add("call-2", {"team": "", "user": "bob", "model_group": "claude-opus-5-5"})
    lost.add("call-3", {"team": "", "user": "bob", "model_group": "claude-opus-5-5"})
    lost.remove("call-3")  # answered before the worker died
    alive = InFlightFile(str(tmp_path), pid=os.getppid(), master=master)  # a running process
    alive.add("call-4", {"team": "", "user": "carol", "model_group": "claude-haiku-5-5"})
    earlier_run = InFlightFile(str(tmp_path), pid=dead.pid, master=master + 1)  # another gateway's leftovers
    earlier_run.add("call-5", {"team": "", "user": "dave", "model_group": "claude-haiku-5-5"})

    counted: list[dict] = []
    # `me` (the calling worker) is this process: the dead one can never have its pid (getpid() + 1 can: the
    # first child of a fresh interpreter often gets exactly that pid, and the test then counted nothing)
    assert count_dead_workers(str(tmp_path), counted.append, me=os.getpid(), master=master) == [dead.pid]
    assert sorted(c["user"] for c in counted) == ["alice", "bob"]
    assert not lost.path.exists() and alive.path.exists() and earlier_run.path.exists()
    assert count_dead_workers(str(tmp_path), counted.append, me=os.getpid(), master=master) == []
    assert len(counted) == 2, "a dead worker is counted once"


# Every worker of this gateway starts SLOW_START_S later than usual: a sitecustomize on its PYTHONPATH sleeps in
# the processes multiprocessing spawns (uvicorn's workers), standing for a worker re-importing LiteLLM on a busy
# task. uvicorn 0.54's supervisor pings each worker every 0.5 s and, by default, kills one that does not answer
# within 5 s; a worker answers only once it has imported LiteLLM. With that default the workers are killed and
# spawned again forever (the gateway never becomes ready, and a dead worker is never replaced); the environment we
# ship (LITELLM_BASE_ENV: TIMEOUT_WORKER_HEALTHCHECK) must outlast a slow start.
SLOW_START_S = 8
SLOW_SITECUSTOMIZE = f"""import sys, time
if "--multiprocessing-fork" in sys.argv:
    time.sleep({SLOW_START_S})
"""


@pytest.fixture(scope="module")
def two_workers(run_dir: Path, emulator_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    slow = tmp_path_factory.mktemp("slow-worker-start")
    (slow / "sitecustomize.py").write_text(SLOW_SITECUSTOMIZE)
    env = {
        "LLMGW_PROCESS_SAMPLE_SECONDS": "1",
        "PYTHONPATH": os.pathsep.join([str(slow), process_env()["PYTHONPATH"]]),
    }
    with run_gateway(run_dir, emulator_url, workers=2, extra_env=env) as gw:
        yield gw


def workers_of(gateway: Gateway) -> dict[int, float]:
    """pid -> age in seconds of the supervisor's worker processes (not multiprocessing's resource tracker)."""
    assert gateway.process.popen is not None
    master = gateway.process.popen.pid
    ticks, boot = os.sysconf("SC_CLK_TCK"), time.clock_gettime(time.CLOCK_BOOTTIME)
    found = {}
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        try:
            if b"--multiprocessing-fork" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            started = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]) / ticks
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        found[int(pid)] = boot - started
    return found


def in_flight_by_pid(gateway: Gateway) -> dict[int, int]:
    found = {}
    for path in gateway.multiproc_dir.glob("llmgw-inflight-*-*.json"):
        pid = int(path.stem.rsplit("-", 1)[1])
        try:
            found[pid] = len(json.loads(path.read_text() or "{}"))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.timeout(600)  # the gateway's start (up to 240 s loaded) and, rarely, a replacement after the ping timeout
def test_sigkill_of_a_worker_counts_its_requests_and_the_gateway_goes_on(two_workers: Gateway) -> None:
    gw = two_workers
    before = wait_for(gw, lambda s: s.total("llmgw_in_flight_requests") == 0)
    results: list[str] = []
    lock = threading.Lock()

    def stream(index: int) -> None:
        body = {"model": "claude-haiku-4-5", "max_tokens": 500, "stream": True, "messages": [
            {"role": "user", "content": f"story {index} [emulator output_tokens=300 tps=30]"}]}  # fmt: skip
        try:
            headers = {**gw.auth, "Connection": "close"}
            with (
                httpx.Client(timeout=60) as client,
                client.stream("POST", f"{gw.url}/v1/chat/completions", json=body, headers=headers) as r,
            ):
                text = "".join(r.iter_text())
            outcome = "ok" if r.status_code == 200 and "[DONE]" in text else f"bad:{r.status_code}"
        except httpx.HTTPError as exc:
            outcome = f"lost:{type(exc).__name__}"
        with lock:
            results.append(outcome)

    # 8 streams of 10 s: the kernel spreads the connections over both workers
    threads = [threading.Thread(target=stream, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while sum(in_flight_by_pid(gw).values()) < 8 and time.monotonic() < deadline:
        time.sleep(0.2)
    by_pid = in_flight_by_pid(gw)
    victim = max(by_pid, key=by_pid.get)
    os.kill(victim, signal.SIGKILL)
    for thread in threads:
        thread.join(90)
    lost = sum(r.startswith("lost") for r in results)
    ok = results.count("ok")
    assert lost == by_pid[victim] and ok + lost == 8, (results, by_pid)

    # counted by the surviving worker, exactly; the in-flight gauge and the dead worker's series recover
    after = wait_for(gw, lambda s: s.total("llmgw_requests_total", outcome="worker_lost")
                     >= before.total("llmgw_requests_total", outcome="worker_lost") + lost, timeout=60)  # fmt: skip
    after = wait_for(gw, lambda s: s.total("llmgw_in_flight_requests") == 0, timeout=60)
    new = {name: after.total("llmgw_requests_total", outcome=name) - before.total("llmgw_requests_total", outcome=name)
           for name in ("success", "worker_lost")}  # fmt: skip
    assert new == {"success": ok, "worker_lost": lost}, new
    assert after.series("llmgw_requests_total", outcome="worker_lost")[0][0]["exception_class"] == "WorkerLost"
    pids = {labels["pid"] for labels, _ in scrape(gw).series("llmgw_process_resident_memory_bytes")}
    assert str(victim) not in pids

    # the supervisor's replacement outlives its slow start: two workers again, the new one older than the start
    # plus the ping timeout uvicorn would otherwise apply (5 s), and the same two a while later (no restart loop).
    # Usually the replacement is spawned at once; a worker killed while the supervisor awaits its answer to a ping
    # is noticed only when that ping times out (uvicorn keeps its end of the pipe open), hence the deadline.
    ping_timeout = int(LITELLM_BASE_ENV["TIMEOUT_WORKER_HEALTHCHECK"])
    start, workers, seen = time.monotonic(), {}, {}
    while time.monotonic() < start + ping_timeout + 90:
        workers = workers_of(gw)
        for pid in workers:
            seen.setdefault(pid, round(time.monotonic() - start))  # pid -> first seen, seconds after the loop began
        if len(workers) == 2 and victim not in workers and min(workers.values()) > SLOW_START_S + 10:
            break
        time.sleep(1)
    assert len(workers) == 2 and victim not in workers and min(workers.values()) > SLOW_START_S + 10, (workers, seen)
    time.sleep(6)
    assert workers_of(gw).keys() == workers.keys(), "the supervisor went on replacing workers"

    # the next requests are answered (none hangs: each has a bounded timeout)
    for index in range(6):
        r = httpx.post(f"{gw.url}/v1/chat/completions", headers={**gw.auth, "Connection": "close"}, timeout=30,
                       json={"model": "claude-haiku-4-5", "max_tokens": 8,
                             "messages": [{"role": "user", "content": f"after {index}"}]})  # fmt: skip
        assert r.status_code == 200, r.text
