"""A rolling deploy under load loses nothing: several clients stream steadily through haproxy (the ALB stand-in) to
two gateway instances; one instance gets SIGTERM (what ECS sends), finishes its in-flight streams, stops, and a new
one takes its place, while the other keeps answering. No client request fails, and the metrics count every request
exactly once (the stopped instance's counters are read from its multiprocess files, as its last scrape had them).

Bounded: about 45 s of traffic from 4 clients; the drain must end within the ECS stop timeout (120 s).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from callbacks.scrape import Snapshot, scrape, wait_for
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from support.services import run_haproxy
from support.stack import new_master_key, run_gateway

pytestmark = pytest.mark.slow
ECS_STOP_TIMEOUT = 120
CLIENTS = 4
DURATION = 45.0


def counted_in_files(directory: Path) -> Snapshot:
    """llmgw_* samples as the instance's /metrics/ served them, from the files its workers left behind."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    samples = [(s.name, dict(s.labels), float(s.value)) for m in registry.collect() for s in m.samples
               if s.name.startswith("llmgw_")]  # fmt: skip
    return Snapshot(tuple(samples))


def test_a_rolling_restart_under_load_fails_no_request(run_dir: Path, emulator_url: str) -> None:
    key = new_master_key()
    tasks = run_dir / "rolling"
    tasks.mkdir(exist_ok=True)
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def client(index: int, url: str) -> None:
        body = {"model": "claude-haiku-4-5", "max_tokens": 200, "stream": True, "messages": [
            {"role": "user", "content": f"client {index} [emulator output_tokens=40 tps=20]"}]}  # fmt: skip
        with httpx.Client(timeout=90) as http:
            while not stop.is_set():
                try:
                    with http.stream("POST", f"{url}/v1/chat/completions", json=body,
                                     headers={"Authorization": f"Bearer {key}"}) as r:  # fmt: skip
                        text = "".join(r.iter_text())
                    ok = r.status_code == 200 and "[DONE]" in text
                    detail = f"{r.status_code} {text[-200:]}"
                except httpx.HTTPError as exc:
                    ok, detail = False, repr(exc)
                with lock:
                    outcomes["ok" if ok else "failed"] += 1
                    if not ok:
                        errors.append(detail)

    with run_gateway(tasks, emulator_url, master_key=key) as a, run_gateway(tasks, emulator_url, master_key=key) as b:
        port_a = int(a.url.rsplit(":", 1)[1])
        with run_haproxy(tasks, [port_a, int(b.url.rsplit(":", 1)[1])]) as url:
            threads = [threading.Thread(target=client, args=(i, url)) for i in range(CLIENTS)]
            for thread in threads:
                thread.start()
            time.sleep(8)
            # SIGTERM while the instance is streaming: its in-flight streams must finish
            in_flight = wait_for(a, lambda s: s.total("llmgw_in_flight_requests") >= 1, timeout=30)
            in_flight = int(in_flight.total("llmgw_in_flight_requests"))
            # ECS: SIGTERM, then SIGKILL after the stop timeout. The instance must drain before that.
            started = time.monotonic()
            os.killpg(a.process.pid, signal.SIGTERM)
            a.process.popen.wait(ECS_STOP_TIMEOUT)
            drained_in = time.monotonic() - started
            old = counted_in_files(a.multiproc_dir)
            with run_gateway(tasks, emulator_url, master_key=key, port=port_a) as replacement:
                time.sleep(max(0.0, DURATION - (time.monotonic() - started) - 10))
                stop.set()
                for thread in threads:
                    thread.join(120)
                sent = outcomes["ok"] + outcomes["failed"]
                new = wait_for(replacement, lambda s: s.total("llmgw_in_flight_requests") == 0)
                other = wait_for(b, lambda s: s.total("llmgw_in_flight_requests") == 0)
                served_by = [old.total("llmgw_requests_total"), other.total("llmgw_requests_total"),
                             new.total("llmgw_requests_total")]  # fmt: skip
                replacement_served = scrape(replacement).total("llmgw_requests_total", outcome="success")
    print(f"\nrolling restart: {sent} requests, {dict(outcomes)}, SIGTERM with {in_flight} in flight, drained in "
          f"{drained_in:.1f} s, served by "
          f"old/other/replacement {served_by}")  # fmt: skip
    assert outcomes["failed"] == 0, errors[:5]
    assert drained_in < ECS_STOP_TIMEOUT
    assert sum(served_by) == sent, f"metrics counted {sum(served_by)} of {sent} requests"
    assert old.total("llmgw_requests_total", outcome="success") > 0 and replacement_served > 0, served_by
