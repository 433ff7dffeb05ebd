"""Extra gateways (slow): two workers with negotiated prices and a small series cap, and a single-process
gateway (no PROMETHEUS_MULTIPROC_DIR) whose callback is forced to raise. Each starts the real proxy with the
repo config (or a copy of it) against the session's Bedrock emulator."""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
import yaml
from observability.identity_auth import cost_center_key
from observability.livestack import identity_config
from prometheus_client.mmap_dict import MmapedDict

from callbacks.scrape import Snapshot, requests_settled, wait_for
from callbacks.slp_factory import HAIKU
from llmgw.paths import CONFIG
from llmgw.stack.env import LITELLM_BASE_ENV, procfile_commands
from support.stack import Gateway, Process, base_env, free_port, http_ok, new_master_key, run_gateway

pytestmark = pytest.mark.slow

NEGOTIATED = {"input_cost_per_token": 8.0e-07, "output_cost_per_token": 4.0e-06}  # haiku, below list price
CAP = 3
COST_CENTERS = [f"cc-{i}" for i in range(8)]


def config_with_negotiated_haiku_prices(directory: Path) -> Path:
    """The repository config with negotiated Haiku 4.5 prices, and the test custom_auth whose keys carry cost
    centres in their (admin-set) metadata: the series cap's principals come from keys, as in a database."""
    config = yaml.safe_load(identity_config(directory).read_text())
    for entry in config["model_list"]:
        if entry["model_name"] == "claude-haiku-4-5":
            entry.setdefault("model_info", {}).update(NEGOTIATED)
    path = directory / "config-negotiated.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def requests_by_pid(multiproc_dir: Path) -> dict[int, float]:
    """llmgw_requests_total written by each worker process, read from its own counter file."""
    served: dict[int, float] = {}
    for path in multiproc_dir.glob("counter_*.db"):
        pid = int(re.fullmatch(r"counter_(\d+)\.db", path.name).group(1))
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path)):
            if json.loads(key)[1] == "llmgw_requests_total":
                served[pid] = served.get(pid, 0.0) + value
    return served


def worker_pids(gateway: Gateway) -> set[int]:
    assert gateway.process.popen is not None
    master = gateway.process.popen.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


@pytest.fixture(scope="module")
def two_workers(run_dir: Path, emulator_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    config = config_with_negotiated_haiku_prices(tmp_path_factory.mktemp("negotiated"))
    env = {"LLMGW_MAX_SERIES_PER_METRIC": str(CAP)}
    with run_gateway(run_dir, emulator_url, config=config, workers=2, extra_env=env) as gw:
        yield gw


def test_two_workers_give_exact_totals_negotiated_prices_and_one_shared_series_cap(two_workers: Gateway) -> None:
    gw = two_workers
    sent: list[tuple[str, dict]] = []

    def one(index: int) -> tuple[str, dict]:
        centre = COST_CENTERS[index % len(COST_CENTERS)]
        body = {
            "model": "claude-haiku-4-5",
            "max_tokens": 32,
            "messages": [{"role": "user", "content": f"Request {index} {uuid.uuid4()} [emulator output_tokens=5]"}],
        }
        # a new connection per request, so the kernel spreads them over both workers
        headers = {"Authorization": f"Bearer {cost_center_key(centre)}", "Connection": "close"}
        r = httpx.post(f"{gw.url}/v1/chat/completions", json=body, headers=headers, timeout=60)
        assert r.status_code == 200, r.text
        return centre, r.json()["usage"]

    # Which worker accepts a connection is the kernel's choice; on a loaded machine one worker can take a long
    # run of them. Send batches until both workers have served (almost always the first batch), bounded in time.
    deadline = time.monotonic() + 120
    with ThreadPoolExecutor(8) as pool:
        batch = 0
        while True:
            sent += pool.map(one, range(batch * 16, batch * 16 + 16))
            batch += 1
            after = wait_for(gw, requests_settled(Snapshot(()), len(sent)))
            if len([pid for pid, n in requests_by_pid(gw.multiproc_dir).items() if n > 0]) >= 2:
                break
            if time.monotonic() > deadline:
                break
    # at least two worker processes counted requests (more if uvicorn replaced a worker that missed its
    # health check on a loaded machine: its counter file stays and is still summed)
    served = {pid for pid, count in requests_by_pid(gw.multiproc_dir).items() if count > 0}
    assert len(served) >= 2, (served, worker_pids(gw))

    n = len(sent)
    assert after.total("llmgw_requests_total") == n
    assert after.total("llmgw_requests_total", outcome="success", model_group="claude-haiku-4-5") == n
    input_tokens = sum(usage["prompt_tokens"] for _, usage in sent)
    output_tokens = sum(usage["completion_tokens"] for _, usage in sent)
    assert output_tokens == 5 * n
    assert after.total("llmgw_tokens_total", type="input") == input_tokens
    assert after.total("llmgw_tokens_total", type="output") == output_tokens
    # negotiated prices from model_info, not the cost map's list price
    want = input_tokens * NEGOTIATED["input_cost_per_token"] + output_tokens * NEGOTIATED["output_cost_per_token"]
    assert after.total("llmgw_spend_usd_total", model=HAIKU) == pytest.approx(want, abs=1e-9)

    # one cap for both workers: CAP label combinations in total, the rest folded into "other"
    spend = after.series("llmgw_spend_usd_total")
    admitted = {labels["cost_center"] for labels, _ in spend} - {"other"}
    assert len(admitted) == CAP and admitted <= set(COST_CENTERS)
    folded = sum(1 for centre, _ in sent if centre not in admitted)
    assert after.total("llmgw_label_overflow_total", metric="llmgw_spend_usd_total") == folded
    other = after.total("llmgw_spend_usd_total", cost_center="other")
    per_request = {centre: 0.0 for centre in COST_CENTERS}
    for centre, usage in sent:
        per_request[centre] += (
            usage["prompt_tokens"] * NEGOTIATED["input_cost_per_token"]
            + usage["completion_tokens"] * NEGOTIATED["output_cost_per_token"]
        )
    assert other == pytest.approx(sum(v for c, v in per_request.items() if c not in admitted), abs=1e-9)

    # per-worker process gauges carry the pid; the in-flight gauge is summed over the workers
    memory_pids = {int(labels["pid"]) for labels, _ in after.series("llmgw_process_resident_memory_bytes")}
    assert len(memory_pids) >= 2 and memory_pids & worker_pids(gw), (memory_pids, worker_pids(gw))
    wait_for(gw, lambda s: s.total("llmgw_in_flight_requests") == 0)


@contextlib.contextmanager
def run_single_process_gateway(log_dir: Path, emulator_url: str, extra_env: dict[str, str]) -> Iterator[Gateway]:
    """``run_gateway`` without ``PROMETHEUS_MULTIPROC_DIR``: one process, metrics in prometheus-client's
    default registry (run_gateway always sets the directory, as every deployment of this repo does)."""
    port = free_port()
    master_key = new_master_key()
    env = base_env(
        **LITELLM_BASE_ENV,
        AWS_REGION="us-east-1",
        LITELLM_CONFIG=str(CONFIG),
        GATEWAY_HOST="127.0.0.1",
        GATEWAY_PORT=str(port),
        LITELLM_WORKERS="1",
        LITELLM_MASTER_KEY=master_key,
        AWS_ACCESS_KEY_ID="emulator",
        AWS_SECRET_ACCESS_KEY="emulator",
        AWS_BEDROCK_RUNTIME_ENDPOINT=emulator_url,
        **extra_env,
    )
    assert "PROMETHEUS_MULTIPROC_DIR" not in env
    proc = Process("litellm", procfile_commands()["litellm"], env, log_dir / f"litellm-single-{port}.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_ready(lambda: http_ok(f"{url}/health/readiness"), timeout=120)
        yield Gateway(url=url, master_key=master_key, process=proc, multiproc_dir=None)
    finally:
        proc.stop()


def test_a_callback_that_raises_leaves_every_request_successful(run_dir: Path, emulator_url: str) -> None:
    """Also the single-process check: this gateway runs without PROMETHEUS_MULTIPROC_DIR."""
    env = {"LLMGW_CALLBACK_FAULT_INJECTION": "raise"}
    with run_single_process_gateway(run_dir, emulator_url, env) as gw:
        oai = openai.OpenAI(base_url=f"{gw.url}/v1", api_key=gw.master_key, timeout=60, max_retries=0)
        claude = anthropic.Anthropic(base_url=gw.url, api_key=gw.master_key, timeout=60, max_retries=0)
        chat = oai.chat.completions.create(
            model="claude-haiku-4-5",
            max_tokens=32,
            messages=[{"role": "user", "content": "hi [emulator output_tokens=3]"}],
        )
        assert chat.choices[0].message.content and chat.usage.completion_tokens == 3
        chunks = oai.chat.completions.create(
            model="claude-haiku-4-5",
            max_tokens=32,
            stream=True,
            messages=[{"role": "user", "content": "stream [emulator output_tokens=4]"}],
        )
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).split()
        message = claude.messages.create(
            model="claude-sonnet-4-5", max_tokens=32, messages=[{"role": "user", "content": "hello"}]
        )
        assert message.content[0].text
        fallback = oai.chat.completions.create(
            model="claude-opus-4-5",
            max_tokens=32,
            messages=[{"role": "user", "content": "[emulator fault=throttle only_model=opus]"}],
        )
        assert fallback.choices[0].message.content
        # errors keep the status the client would get without the callback (not a 500)
        with pytest.raises(openai.RateLimitError):
            oai.chat.completions.create(
                model="claude-haiku-4-5",
                max_tokens=8,
                messages=[{"role": "user", "content": "[emulator fault=throttle]"}],
            )
        body = {"model": "claude-haiku-4-5", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]}
        assert httpx.post(f"{gw.url}/v1/chat/completions", json=body, timeout=30).status_code == 401

        def errors(s: Snapshot, hook: str) -> float:
            return s.total("llmgw_callback_errors_total", kind=f"{hook}:InjectedFault")

        after = wait_for(gw, lambda s: errors(s, "log_success_event") >= 4 and errors(s, "post_call_failure_hook") >= 2)
        assert errors(after, "pre_call_hook") == 5  # chat, stream, messages, fallback, throttled
        assert errors(after, "log_success_event") == 4
        assert errors(after, "post_call_failure_hook") == 2
        assert after.series("llmgw_spend_usd_total") == [] and after.series("llmgw_requests_total") == []
        # single process: the process gauges are read at scrape time, without a pid label
        assert [labels for labels, _ in after.series("llmgw_process_resident_memory_bytes")] == [{}]
        assert after.total("llmgw_process_resident_memory_bytes") > 0
        log = gw.process.log_path.read_text(errors="replace")
        for hook in ("pre_call_hook", "log_success_event", "post_call_failure_hook"):  # logged once per kind
            assert log.count(f"InjectedFault raised in {hook}") == 1, hook


@pytest.fixture(scope="module")
def small_cap(run_dir: Path, emulator_url: str) -> Iterator[Gateway]:
    with run_gateway(run_dir, emulator_url, extra_env={"LLMGW_MAX_SERIES_PER_METRIC": "2"}) as gw:
        yield gw


def test_client_tags_do_not_take_the_series_cap(small_cap: Gateway) -> None:
    """Tags are the client's to choose: distinct cost-center tags on every request create no series, fold
    nothing into "other", and leave the cap to the principals admins created (it filled up before: each tag
    became a cost_center label value)."""
    n = 8
    for i in range(n):
        body = {
            "model": "claude-haiku-4-5",
            "max_tokens": 16,
            "messages": [{"role": "user", "content": f"tagged {i} [emulator output_tokens=3]"}],
            "metadata": {"tags": [f"cost-center:cc-client-{i}", f"whatever-{uuid.uuid4()}"]},
        }
        r = httpx.post(f"{small_cap.url}/v1/chat/completions", json=body, headers=small_cap.auth, timeout=60)
        assert r.status_code == 200, r.text
    after = wait_for(small_cap, requests_settled(Snapshot(()), n))
    assert {labels["cost_center"] for labels, _ in after.series("llmgw_spend_usd_total")} == {""}
    assert after.total("llmgw_label_overflow_total") == 0
