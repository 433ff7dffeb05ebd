"""Optional Redis: with REDIS_HOST set the gateway keeps its rate-limit counters there (shared across tasks);
without it (make up) the same config runs with in-memory state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.services import redis_cli, run_redis
from support.stack import run_gateway

CHAT = {"model": "claude-haiku-4-5", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    with run_redis(tmp_path) as port:
        yield port


def test_gateway_keeps_rate_limit_state_in_redis(run_dir: Path, emulator_url: str, redis_port: int) -> None:
    env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port)}
    with run_gateway(run_dir, emulator_url, extra_env=env) as gw:
        r = httpx.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=gw.auth, timeout=60)
        assert r.status_code == 200, r.text
        # LiteLLM batches its counter writes to Redis (a background flush every few seconds).
        deadline = time.monotonic() + 30
        while True:
            keys = redis_cli(redis_port, "keys", "*").split()
            if any("claude-haiku-4-5" in k for k in keys):
                break
            assert time.monotonic() < deadline, f"no rate-limit counters in Redis: {keys}"
            time.sleep(0.5)
