"""Multiprocess mode (several LiteLLM workers, one PROMETHEUS_MULTIPROC_DIR): exact sums, the right gauge
modes, and one series cap for all workers together. Real worker processes, aggregated with
prometheus-client's MultiProcessCollector exactly as LiteLLM's /metrics/ does."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, multiprocess

from llmgw.paths import REPO
from llmgw_callbacks.admission import ADMISSIONS_FILE_PREFIX, SharedAdmissions

WORKER = Path(__file__).with_name("mp_worker.py")


def run_worker(multiproc_dir: Path, cap: int, *args: str) -> int:
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
        "LLMGW_MAX_SERIES_PER_METRIC": str(cap),
        "LLMGW_USER_LABELS": "id",  # user ids as labels, so the test reads who spent
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "PYTHONPATH": os.pathsep.join([str(REPO / "callbacks"), str(REPO / "tests")]),
    }
    out = subprocess.run([sys.executable, str(WORKER), *args], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])["pid"]


def aggregate(multiproc_dir: Path) -> dict[str, list[tuple[dict[str, str], float]]]:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(multiproc_dir))
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for metric in registry.collect():
        for sample in metric.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def test_two_workers_sum_exactly_share_one_series_cap_and_use_the_right_gauge_modes(tmp_path: Path) -> None:
    cap = 3
    first = run_worker(
        tmp_path, cap, "--users", "u0,u1,u2,u3", "--repeat", "3", "--key-ratio", "0.2", "--open-requests", "2"
    )
    second = run_worker(
        tmp_path, cap, "--users", "u2,u3,u4,u5", "--repeat", "3", "--key-ratio", "0.7", "--finished-requests", "1"
    )
    got = aggregate(tmp_path)

    spend = got["llmgw_spend_usd_total"]
    assert sum(v for _, v in spend) == 8 * 3 * 0.25  # every observation of both workers, nothing lost
    per_user = {labels["user"]: v for labels, v in spend}
    # The first worker admitted u0, u1, u2 and folded u3; the second found the shared cap full and folded u3, u4,
    # u5 and its zero-cost request of user alice the same way: 3 + 9 + 1 folded observations.
    assert per_user == {"u0": 0.75, "u1": 0.75, "u2": 1.5, "other": 12 * 0.25}
    requests = {labels["user"]: v for labels, v in got["llmgw_requests_total"] if labels["outcome"] == "success"}
    assert requests == {"u0": 3, "u1": 3, "u2": 6, "other": 13}
    tokens_input = sum(v for labels, v in got["llmgw_tokens_total"] if labels["type"] == "input")
    assert tokens_input == 10 * (8 * 3 + 1)
    overflow = {labels["metric"]: v for labels, v in got["llmgw_label_overflow_total"]}
    assert overflow["llmgw_spend_usd_total"] == 13

    # in-flight is a livesum gauge: 2 open in the first worker + 0 in the second
    assert got["llmgw_in_flight_requests"] == [({}, 2.0)]
    # budget utilisation is "mostrecent": the second worker's later observation wins (spend 0.7 at authentication
    # + this request's 0.25, of a 1.0 budget; the first worker's was 0.2 + 0.25), one series, no pid label
    assert got["llmgw_budget_utilisation_ratio"] == [({"scope": "key", "name": "ci-key"}, 0.7 + 0.25)]
    # process gauges are per worker (liveall adds the pid label)
    pids = {labels["pid"] for labels, _ in got["llmgw_process_resident_memory_bytes"]}
    assert pids == {str(first), str(second)}
    assert all(v > 0 for _, v in got["llmgw_process_resident_memory_bytes"])

    # a worker that exits (LiteLLM marks it dead) drops its live gauges; its counted spend stays
    multiprocess.mark_process_dead(first, path=str(tmp_path))
    after = aggregate(tmp_path)
    assert after["llmgw_in_flight_requests"] == [({}, 0.0)]
    assert {labels["pid"] for labels, _ in after["llmgw_process_resident_memory_bytes"]} == {str(second)}
    assert sum(v for _, v in after["llmgw_spend_usd_total"]) == 8 * 3 * 0.25
    # the admissions live next to the .db files under LiteLLM's prefix, which LiteLLM wipes at start-up
    assert (tmp_path / f"{ADMISSIONS_FILE_PREFIX}llmgw_spend_usd_total").is_file()


def _admit_many(args: tuple[str, int, list[str]]) -> dict[str, bool]:
    directory, cap, keys = args
    admissions = SharedAdmissions(directory, "llmgw_test_total", cap)
    return {key: admissions.admit((key,)) for key in keys}


@pytest.mark.parametrize("cap", [1, 20])
def test_concurrent_workers_agree_on_one_admitted_set_within_the_cap(tmp_path: Path, cap: int) -> None:
    keys = [f"user-{i}" for i in range(60)]
    jobs = [(str(tmp_path), cap, keys[i::2] + keys[::3]) for i in range(4)]  # overlapping, different orders
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_admit_many, jobs)
    admitted = {key for result in results for key, ok in result.items() if ok}
    assert len(admitted) == cap
    for result in results:  # every worker made the same decision for every key it saw
        assert all(ok == (key in admitted) for key, ok in result.items())
