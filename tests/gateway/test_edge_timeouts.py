"""Timeouts aligned end to end, shown through a stand-in for CloudFront (issue 14).

CloudFront's origin read timeout bounds the wait for the first byte and between two reads, not the length of a
response. The stand-in edge here (a small HTTP proxy in front of the real gateway) enforces the same rule: 504 if
the origin sends nothing in time, the connection cut if a response stalls. The gateway runs the repository's
config.yaml (its retry policy included) against the real Bedrock emulator, with its timeouts set by the rule the
production values follow and Terraform's gateway precondition enforces: each LiteLLM timeout, times its attempts,
plus LiteLLM's own overhead (up to ~2 s measured on /v1/messages) below the edge's read timeout; on /v1/messages a
silent stream is given up only after about 4 x stream_timeout (measured here). Production: 170 s for an answer and
40 s between chunks (~162 s on /v1/messages), one attempt, under CloudFront's 180 s; here 3 s and 1 s under 8 s.

* a streamed generation far longer than the read timeout passes, because chunks keep arriving;
* a non-streamed answer slower than the edge's timeout is ended by LiteLLM first, with its own timeout error
  (the upstream request closed), instead of the edge's 504 while Bedrock keeps generating;
* a stream whose first token does not come is ended by LiteLLM's stream timeout, before the edge cuts it.

Failed before: LiteLLM waited 900 s for an answer (and retried a timeout once) against CloudFront's 60 s, so the
edge answered 504 first; with TimeoutErrorRetries: 1 a slow answer still outlasts the edge here."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from support.stack import CONFIG, free_port, run_gateway

EDGE_READ_TIMEOUT = 8.0  # stands for CloudFront's 180 s
TIMEOUTS = {"request_timeout": 3.0, "timeout": 3.0, "stream_timeout": 1.0}  # stand for 170 s, 170 s, 40 s
OVERHEAD = 2.0  # LiteLLM's own time before it answers with its timeout error (measured: up to ~1.9 s)
STREAM_READS = 4  # LiteLLM 1.106.2's /v1/messages gives up on a silent stream after ~4 x stream_timeout


class StandInEdge:
    """Forwards each HTTP/1.1 request (one per connection) to the origin; a read from the origin that takes
    longer than the read timeout gives 504 before the response started, else closes the client connection."""

    def __init__(self, origin_port: int, read_timeout: float) -> None:
        self.origin_port = origin_port
        self.read_timeout = read_timeout
        self.port = free_port()
        self.timeouts = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self._ready.set()
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_forever()
        server.close()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        origin_r, origin_w = await asyncio.open_connection("127.0.0.1", self.origin_port)
        try:
            head = await client_r.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
            body = await client_r.readexactly(length) if length else b""
            origin_w.write(head.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1) + body)
            await origin_w.drain()
            started = False
            while True:
                try:
                    chunk = await asyncio.wait_for(origin_r.read(65536), self.read_timeout)
                except TimeoutError:
                    self.timeouts += 1
                    if not started:
                        client_w.write(
                            b"HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        )
                    break
                if not chunk:
                    break
                started = True
                client_w.write(chunk)
                await client_w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # a client or origin that went away: nothing to forward
        finally:
            origin_w.close()
            client_w.close()

    def __enter__(self) -> StandInEdge:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def scaled_config(tmp_path: Path) -> Path:
    """config.yaml with the test's timeouts; everything else (the retry policy too) as committed. No fallbacks: the
    test model has none, and every fallback after a timeout would be another full wait."""
    config = yaml.safe_load(CONFIG.read_text())
    attempts = 1 + config["router_settings"]["retry_policy"].get("TimeoutErrorRetries", 0)
    config["litellm_settings"]["request_timeout"] = TIMEOUTS["request_timeout"]
    config["router_settings"]["timeout"] = TIMEOUTS["timeout"]
    config["router_settings"]["stream_timeout"] = TIMEOUTS["stream_timeout"]
    config["router_settings"].pop("fallbacks", None)

    def fits(settings: dict, read_timeout: float) -> bool:
        answer = max(settings["litellm_settings"]["request_timeout"], settings["router_settings"]["timeout"])
        stream = settings["router_settings"]["stream_timeout"] * STREAM_READS
        return max(answer, stream) * attempts + OVERHEAD < read_timeout

    assert fits(config, EDGE_READ_TIMEOUT)
    # The committed production values obey the same rule under CloudFront's 180 s.
    assert fits(yaml.safe_load(CONFIG.read_text()), 180)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory, emulator_url: str) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("edge")
    with run_gateway(tmp, emulator_url, config=scaled_config(tmp)) as gw:
        port = int(gw.url.rsplit(":", 1)[1])
        with StandInEdge(port, EDGE_READ_TIMEOUT) as stand_in:
            yield f"http://127.0.0.1:{stand_in.port}", gw.master_key


def messages(edge: tuple[str, str], directive: str, *, stream: bool) -> httpx.Response:
    url, key = edge
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 64,
        "stream": stream,
        "messages": [{"role": "user", "content": f"[emulator {directive}] hello"}],
    }
    return httpx.post(f"{url}/v1/messages", json=body, headers={"x-api-key": key}, timeout=30)


@pytest.mark.slow
def test_a_stream_longer_than_the_read_timeout_passes(edge: tuple[str, str]) -> None:
    # 60 tokens at 5 tokens/s: ~12 s of streaming, longer than the 8 s read timeout, no gap near it.
    response = messages(edge, "output_tokens=60 tps=5", stream=True)
    assert response.status_code == 200, response.text
    events = [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
    assert events[-1]["type"] == "message_stop", events[-3:]
    assert sum(1 for e in events if e["type"] == "content_block_delta") >= 10


@pytest.mark.slow
def test_a_slow_answer_is_ended_by_the_gateway_not_by_the_edge(edge: tuple[str, str]) -> None:
    # The answer would take 20 s: LiteLLM's request timeout (3 s) ends it before the edge's 8 s.
    response = messages(edge, "latency_ms=20000", stream=False)
    assert response.status_code != 504, "the edge timed out before the gateway did"
    assert response.status_code in (408, 500, 504) and response.headers.get("content-type", "").startswith(
        "application/json"
    ), (response.status_code, response.text[:300])
    assert "timeout" in response.text.lower(), response.text[:300]


@pytest.mark.slow
def test_a_stream_without_its_first_token_is_ended_by_the_gateway(edge: tuple[str, str]) -> None:
    # No first token for 20 s: LiteLLM's stream timeout (1 s, ~6 s on /v1/messages) answers before the edge's 8 s.
    response = messages(edge, "ttft_ms=20000", stream=True)
    assert response.status_code != 504 or "timeout" in response.text.lower(), "the edge cut the stream first"
    assert "timeout" in response.text.lower(), (response.status_code, response.text[:300])
