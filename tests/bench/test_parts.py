"""The benchmark's parts against real components: the scenarios' baseline requests are valid Bedrock requests
for the real emulator, the gateway and baseline renderings ask for the same work, and the client finds the first
token in every stream format."""

from __future__ import annotations

import asyncio
import json
import math
import statistics
from urllib.parse import unquote

import aiohttp
import pytest

from llmgw import catalogue
from llmgw.bench import loadgen, scenarios, stats

ALL = {name: factory() for name, factory in scenarios.SCENARIOS.items()}


def test_percentile_matches_the_standard_library() -> None:
    values = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4]
    cut = statistics.quantiles(values, n=100, method="inclusive")
    for q in (50, 95, 99):
        assert math.isclose(stats.percentile(values, q), cut[q - 1])
    assert math.isnan(stats.percentile([], 50))
    assert stats.summary_ms([])["p50"] is None


def test_slope_and_ratio() -> None:
    xs = [0, 1000, 2000, 3000]
    assert math.isclose(stats.slope(xs, [100 + 0.002 * x for x in xs]), 0.002)
    assert math.isnan(stats.slope([1, 1], [2, 3]))
    assert math.isclose(stats.ratio(102.0, 100.0), 0.02)
    assert stats.ratio(1.0, 0.0) is None


@pytest.mark.parametrize("name", list(ALL))
def test_gateway_and_baseline_ask_for_the_same_work(name: str) -> None:
    scenario = ALL[name]
    assert len(scenario.gateway) == len(scenario.baseline) > 0
    for gw, base in zip(scenario.gateway, scenario.baseline, strict=True):
        gw_body, base_body = json.loads(gw.body), json.loads(base.body)
        assert (gw.stream is None) == (base.stream is None)
        model_id = unquote(base.path.split("/")[2])
        assert model_id in {catalogue.load().profile_id(m) for m in catalogue.load().models}
        if gw.path == "/v1/messages":
            assert base.path.endswith("/invoke-with-response-stream" if gw.stream else "/invoke")
            assert base_body == {
                "anthropic_version": "bedrock-2023-05-31",
                **{k: v for k, v in gw_body.items() if k not in ("model", "stream")},
            }
        else:
            assert gw.path == "/v1/chat/completions"
            assert base.path.endswith("/converse-stream" if gw.stream else "/converse")
            system, user = (m["content"] for m in gw_body["messages"])
            assert base_body["system"] == [{"text": system}]
            assert base_body["messages"] == [{"role": "user", "content": [{"text": user}]}]
            assert base_body["inferenceConfig"]["maxTokens"] == gw_body["max_tokens"]


def test_mix_is_claude_code_like() -> None:
    mix = ALL["mix"]
    bodies = [json.loads(r.body) for r in mix.gateway]
    with_tools = [b for b in bodies if "tools" in b]
    assert 0.6 < mix.stream_share < 0.8
    assert with_tools and all(b["tools"][-1]["cache_control"] == {"type": "ephemeral"} for b in with_tools)
    assert all(any("cache_control" in block for block in b["system"]) for b in with_tools)
    assert any(b["model"].startswith("claude-haiku") for b in bodies)
    assert any(block.get("type") == "tool_result" for b in with_tools for m in b["messages"] for block in m["content"]
               if isinstance(m["content"], list))  # fmt: skip


async def _send_all(url: str, requests: list[scenarios.Request]) -> list[loadgen.Sample]:
    async with aiohttp.ClientSession() as session:
        return [await loadgen.send(session, url, {}, r) for r in requests]


@pytest.mark.parametrize("name", list(ALL))
def test_baseline_requests_are_served_by_the_real_emulator_with_first_token_found(name: str, emulator_url: str) -> None:
    scenario = ALL[name]
    count = 10 if name == "mix" else 2  # the mix cycles through 10 kinds of request
    samples = asyncio.run(_send_all(emulator_url, scenario.baseline[:count]))
    for request, sample in zip(scenario.baseline[:count], samples, strict=True):
        assert sample.ok, (request.path, sample.status, sample.error)
        if request.stream is None:
            assert sample.ttft is None
        else:
            assert sample.ttft is not None and 0 < sample.ttft <= sample.end - sample.start


def test_first_token_detection_needs_a_content_delta() -> None:
    assert loadgen.has_first_token(scenarios.OPENAI_SSE, b'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n')
    assert not loadgen.has_first_token(scenarios.OPENAI_SSE, b'data: {"choices":[{"delta":{"content":""}}]}\n\n')
    assert loadgen.has_first_token(scenarios.ANTHROPIC_SSE, b"event: content_block_delta\ndata: {}\n\n")
    assert not loadgen.has_first_token(scenarios.ANTHROPIC_SSE, b"event: message_start\ndata: {}\n\n")
    assert not loadgen.has_first_token(scenarios.INVOKE_STREAM, b"\x00\x00")  # incomplete frame
    with pytest.raises(ValueError, match="unknown stream kind"):
        loadgen.has_first_token("nope", b"")
