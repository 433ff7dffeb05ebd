"""Upstream failures seen through the gateway: fallbacks on throttling, Bedrock 400s, streams dropped mid-way."""

from __future__ import annotations

import time

import anthropic
import httpx
import openai
import pytest

from llmgw import catalogue
from support.stack import Gateway

CATALOGUE = catalogue.load()
SONNET_45 = CATALOGUE.profile_id(next(m for m in CATALOGUE.models if m.name == "claude-sonnet-4-5"))

# How Bedrock words a body that fails the model schema (the emulator answers the same way).
VALIDATION_MESSAGE = "Malformed input request"


def emulator_counts(emulator: httpx.Client, what: str = "served") -> dict[str, int]:
    """model id -> requests the emulator `served` (answered) or that `failed` (any operation)."""
    counts: dict[str, int] = {}
    for row in emulator.get("/emulator/requests").raise_for_status().json()["requests"]:
        counts[row["model"]] = counts.get(row["model"], 0) + row[what]
    return counts


def test_throttled_opus_falls_back_to_sonnet(oai: openai.OpenAI, emulator_log: httpx.Client) -> None:
    r = oai.chat.completions.with_raw_response.create(
        model="claude-opus-4-5",
        max_tokens=32,
        messages=[{"role": "user", "content": "Plan the refactor [emulator fault=throttle only_model=opus]"}],
    )
    completion = r.parse()
    assert completion.choices[0].message.content
    served, failed = emulator_counts(emulator_log), emulator_counts(emulator_log, "failed")
    assert sum(n for m, n in failed.items() if "opus" in m) >= 1, failed  # Opus was tried and throttled ...
    assert {m: n for m, n in served.items() if n} == {SONNET_45: 1}, served
    assert int(r.headers.get("x-litellm-attempted-fallbacks", "0")) >= 1


def test_throttled_everywhere_is_429(oai: openai.OpenAI, emulator_log: httpx.Client) -> None:
    with pytest.raises(openai.RateLimitError) as e:
        oai.chat.completions.create(
            model="claude-haiku-4-5",
            max_tokens=16,
            messages=[{"role": "user", "content": "[emulator fault=throttle]"}],
        )
    assert e.value.status_code == 429
    assert "Too many requests" in str(e.value)


def test_bedrock_validation_error_is_a_400_with_bedrocks_message(
    oai: openai.OpenAI, claude: anthropic.Anthropic, emulator_log: httpx.Client
) -> None:
    with pytest.raises(openai.BadRequestError) as e:
        oai.chat.completions.create(
            model="claude-sonnet-4-5",
            max_tokens=16,
            messages=[{"role": "user", "content": "[emulator fault=validation]"}],
        )
    assert e.value.status_code == 400
    with pytest.raises(anthropic.BadRequestError) as e2:
        claude.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=16,
            messages=[{"role": "user", "content": "[emulator fault=validation]"}],
        )
    assert e2.value.status_code == 400
    # The emulator words it like Bedrock; the gateway passes Bedrock's message through.
    for err in (e.value, e2.value):
        assert VALIDATION_MESSAGE in str(err), str(err)
    # 4xx validation errors are neither retried (retry_policy.BadRequestErrorRetries: 0) nor answered by a fallback
    # model (llmgw_callbacks.fallback_policy): one Bedrock call per client request, nothing else was asked.
    failed = emulator_counts(emulator_log, "failed")
    assert failed == {SONNET_45: 2}, failed
    assert sum(emulator_counts(emulator_log).values()) == 0


def test_stream_dropped_mid_way_ends_with_an_error_not_a_hang(gateway: Gateway, emulator_log: httpx.Client) -> None:
    client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=gateway.master_key, timeout=45, max_retries=0)
    started = time.monotonic()
    received = ""
    with pytest.raises((openai.APIError, httpx.HTTPError)) as e:
        stream = client.chat.completions.create(
            model="claude-haiku-4-5",
            max_tokens=64,
            stream=True,
            messages=[{"role": "user", "content": "[emulator fault=drop output_tokens=40]"}],
        )
        for chunk in stream:
            if chunk.choices:
                received += chunk.choices[0].delta.content or ""
    assert not isinstance(e.value, openai.APITimeoutError), "the client waited for a stream that never ended"
    assert time.monotonic() - started < 40


def test_anthropic_stream_dropped_mid_way_ends_with_an_error(gateway: Gateway, emulator_log: httpx.Client) -> None:
    client = anthropic.Anthropic(base_url=gateway.url, api_key=gateway.master_key, timeout=45, max_retries=0)
    with (
        pytest.raises((anthropic.APIError, httpx.HTTPError)) as e,
        client.messages.stream(
            model="claude-haiku-4-5",
            max_tokens=64,
            messages=[{"role": "user", "content": "[emulator fault=drop output_tokens=40]"}],
        ) as stream,
    ):
        for _ in stream.text_stream:
            pass
        stream.get_final_message()
    assert not isinstance(e.value, anthropic.APITimeoutError)
