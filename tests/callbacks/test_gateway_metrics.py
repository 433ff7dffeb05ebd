"""The callback inside the real proxy (session gateway: repo config, 1 worker, multiprocess dir) against the
real Bedrock emulator: known traffic in, /metrics/ scraped, values compared with the tokens the emulator
reported times the pinned LiteLLM cost-map prices of the exact model ids (never with the callback's output)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping

import anthropic
import boto3
import httpx
import litellm
import openai
import pytest
from botocore.config import Config

from bedrock_emulator.tokens import count_text_tokens
from callbacks.scrape import Snapshot, requests_settled, settled, wait_for
from callbacks.slp_factory import HAIKU, OPUS, SONNET
from support.stack import Gateway

TOLERANCE_USD = 1e-9
CONTRACT_LABELS = {
    "llmgw_spend_usd_total": {"model_group", "model", "team", "user", "key_alias", "cost_center"},
    "llmgw_tokens_total": {"model_group", "model", "team", "user", "type"},
    "llmgw_requests_total": {"model_group", "team", "user", "outcome", "exception_class"},
    "llmgw_cache_savings_usd_total": {"model_group", "team", "user"},
    "llmgw_cache_write_spend_usd_total": {"model_group", "team", "user"},
    "llmgw_budget_utilisation_ratio": {"scope", "name"},
    "llmgw_in_flight_requests": set(),
    "llmgw_process_resident_memory_bytes": {"pid"},
    "llmgw_process_cpu_seconds_total": {"pid"},
    "llmgw_callback_errors_total": {"kind"},
    "llmgw_label_overflow_total": {"metric"},
}


def prices(model_id: str) -> Mapping[str, float]:
    return litellm.model_cost[model_id]


def expected_cost(model_id: str, *, input: int, output: int, cache_read: int = 0, cache_write: int = 0) -> float:
    p = prices(model_id)
    return (
        input * p["input_cost_per_token"]
        + output * p["output_cost_per_token"]
        + cache_read * p["cache_read_input_token_cost"]
        + cache_write * p["cache_creation_input_token_cost"]
    )


def delta(before: Snapshot, after: Snapshot, name: str, **labels: str) -> float:
    return after.total(name, **labels) - before.total(name, **labels)


def tokens(before: Snapshot, after: Snapshot, model_id: str, token_type: str) -> float:
    return delta(before, after, "llmgw_tokens_total", model=model_id, type=token_type)


def test_chat_and_stream_cost_is_tokens_times_the_pinned_us_prices(gateway: Gateway, oai: openai.OpenAI) -> None:
    before = settled(gateway)
    plain = f"Summarise ticket {uuid.uuid4()} [emulator output_tokens=7]"
    streamed = f"Stream the summary of ticket {uuid.uuid4()} [emulator output_tokens=9]"
    r1 = oai.chat.completions.create(
        model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": plain}]
    )
    stream = oai.chat.completions.create(
        model="claude-haiku-4-5",
        max_tokens=64,
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": streamed}],
    )
    usages = [chunk.usage for chunk in stream if chunk.usage]
    after = wait_for(gateway, requests_settled(before, 2))

    u1, u2 = r1.usage, usages[-1]
    # the emulator's deterministic token counts, seen through the gateway
    assert (u1.prompt_tokens, u1.completion_tokens) == (count_text_tokens(plain), 7)
    assert (u2.prompt_tokens, u2.completion_tokens) == (count_text_tokens(streamed), 9)
    want = expected_cost(HAIKU, input=u1.prompt_tokens + u2.prompt_tokens, output=7 + 9)
    spent = delta(before, after, "llmgw_spend_usd_total", model=HAIKU, model_group="claude-haiku-4-5")
    assert spent == pytest.approx(want, abs=TOLERANCE_USD)
    assert delta(before, after, "llmgw_spend_usd_total") == pytest.approx(want, abs=TOLERANCE_USD)
    assert tokens(before, after, HAIKU, "input") == u1.prompt_tokens + u2.prompt_tokens
    assert tokens(before, after, HAIKU, "output") == 16
    success = {"model_group": "claude-haiku-4-5", "outcome": "success", "exception_class": ""}
    assert delta(before, after, "llmgw_requests_total", **success) == 2


def test_prompt_cache_write_then_read_through_the_messages_api(gateway: Gateway, claude: anthropic.Anthropic) -> None:
    manual = f"Operations manual {uuid.uuid4()}. " + "Rotate the keys before the audit window closes. " * 160
    system = [{"type": "text", "text": manual, "cache_control": {"type": "ephemeral"}}]
    before = settled(gateway)
    first = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=64,
        system=system,
        messages=[{"role": "user", "content": "Which keys? [emulator output_tokens=5]"}],
    )
    second = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=64,
        system=system,
        messages=[{"role": "user", "content": "And when? [emulator output_tokens=6]"}],
    )
    after = wait_for(gateway, requests_settled(before, 2))

    u1, u2 = first.usage, second.usage
    assert u1.cache_creation_input_tokens == count_text_tokens(manual) and not u1.cache_read_input_tokens
    assert u2.cache_read_input_tokens == u1.cache_creation_input_tokens and not u2.cache_creation_input_tokens
    want = expected_cost(
        SONNET,
        input=u1.input_tokens + u2.input_tokens,
        output=u1.output_tokens + u2.output_tokens,
        cache_write=u1.cache_creation_input_tokens,
        cache_read=u2.cache_read_input_tokens,
    )
    assert delta(before, after, "llmgw_spend_usd_total", model=SONNET) == pytest.approx(want, abs=TOLERANCE_USD)
    assert tokens(before, after, SONNET, "input") == u1.input_tokens + u2.input_tokens
    assert tokens(before, after, SONNET, "output") == 11
    assert tokens(before, after, SONNET, "cache_write") == u1.cache_creation_input_tokens
    assert tokens(before, after, SONNET, "cache_read") == u2.cache_read_input_tokens
    p = prices(SONNET)
    saving = u2.cache_read_input_tokens * (p["input_cost_per_token"] - p["cache_read_input_token_cost"])
    saved = delta(before, after, "llmgw_cache_savings_usd_total", model_group="claude-sonnet-4-5")
    assert saved == pytest.approx(saving, abs=TOLERANCE_USD)
    written = delta(before, after, "llmgw_cache_write_spend_usd_total", model_group="claude-sonnet-4-5")
    assert written == pytest.approx(u1.cache_creation_input_tokens * p["cache_creation_input_token_cost"], abs=1e-12)


def test_streamed_messages_as_claude_code_sends_them_count_once(gateway: Gateway, claude: anthropic.Anthropic) -> None:
    before = settled(gateway)
    instructions = f"You are a careful refactoring assistant {uuid.uuid4()}. " + "Keep the public API stable. " * 200
    prompt = "Refactor the module [emulator output_tokens=12]"
    with claude.messages.stream(
        model="claude-opus-4-5-20251101",  # the dated id Claude Code sends: an alias of claude-opus-4-5
        max_tokens=64,
        system=[{"type": "text", "text": instructions, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": prompt}],
    ) as stream:
        text = "".join(stream.text_stream)
        usage = stream.get_final_message().usage
    after = wait_for(gateway, requests_settled(before, 1))

    assert len(text.split()) == 12 and usage.output_tokens == 12
    assert usage.input_tokens == count_text_tokens(prompt)
    assert usage.cache_creation_input_tokens == count_text_tokens(instructions)
    want = expected_cost(
        OPUS, input=usage.input_tokens, output=usage.output_tokens, cache_write=usage.cache_creation_input_tokens
    )
    spent = delta(before, after, "llmgw_spend_usd_total", model=OPUS, model_group="claude-opus-4-5")
    assert spent == pytest.approx(want, abs=TOLERANCE_USD)
    assert delta(before, after, "llmgw_requests_total") == 1
    assert tokens(before, after, OPUS, "output") == 12
    assert tokens(before, after, OPUS, "cache_write") == usage.cache_creation_input_tokens


def test_prompt_cache_through_chat_completions_cache_control(gateway: Gateway, oai: openai.OpenAI) -> None:
    runbook = f"Runbook {uuid.uuid4()}. " + "Drain the node, then cordon it and page the on-call. " * 150

    def ask(question: str) -> openai.types.CompletionUsage:
        content = [
            {"type": "text", "text": runbook, "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": question},
        ]
        r = oai.chat.completions.create(
            model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": content}]
        )
        return r.usage

    before = settled(gateway)
    u1 = ask("First step? [emulator output_tokens=4]")
    u2 = ask("Second step? [emulator output_tokens=4]")
    after = wait_for(gateway, requests_settled(before, 2))

    write, read = u1.cache_creation_input_tokens, u2.prompt_tokens_details.cached_tokens
    assert write == count_text_tokens(runbook) and read == write
    uncached = (u1.prompt_tokens - write) + (u2.prompt_tokens - read)  # prompt_tokens includes cached tokens
    want = expected_cost(HAIKU, input=uncached, output=8, cache_write=write, cache_read=read)
    assert delta(before, after, "llmgw_spend_usd_total", model=HAIKU) == pytest.approx(want, abs=TOLERANCE_USD)
    assert tokens(before, after, HAIKU, "input") == uncached
    assert tokens(before, after, HAIKU, "cache_write") == write
    assert tokens(before, after, HAIKU, "cache_read") == read


def test_a_fallback_is_attributed_to_the_model_that_served(gateway: Gateway, oai: openai.OpenAI) -> None:
    before = settled(gateway)
    raw = oai.chat.completions.with_raw_response.create(
        model="claude-opus-4-5",
        max_tokens=64,
        messages=[{"role": "user", "content": "Plan it [emulator fault=throttle only_model=opus output_tokens=6]"}],
    )
    usage = raw.parse().usage
    after = wait_for(gateway, requests_settled(before, 1))

    assert int(raw.headers.get("x-litellm-attempted-fallbacks", "0")) >= 1  # Opus was throttled, Sonnet answered
    want = expected_cost(SONNET, input=usage.prompt_tokens, output=usage.completion_tokens)
    spent = delta(before, after, "llmgw_spend_usd_total", model=SONNET, model_group="claude-sonnet-4-5")
    assert spent == pytest.approx(want, abs=TOLERANCE_USD)
    assert delta(before, after, "llmgw_spend_usd_total", model=OPUS) == 0
    assert tokens(before, after, OPUS, "input") == 0
    assert delta(before, after, "llmgw_requests_total") == 1  # one client request, not one per attempt
    assert delta(before, after, "llmgw_requests_total", model_group="claude-sonnet-4-5", outcome="success") == 1


def test_failures_count_zero_cost_with_their_outcome_and_class(gateway: Gateway, oai: openai.OpenAI) -> None:
    before = settled(gateway)
    with pytest.raises(openai.RateLimitError):  # Haiku has no fallback
        oai.chat.completions.create(
            model="claude-haiku-4-5", max_tokens=16, messages=[{"role": "user", "content": "[emulator fault=throttle]"}]
        )
    with pytest.raises(openai.BadRequestError):
        oai.chat.completions.create(
            model="claude-sonnet-4-5",
            max_tokens=16,
            messages=[{"role": "user", "content": "[emulator fault=validation]"}],
        )
    body = {"model": "claude-haiku-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(f"{gateway.url}/v1/chat/completions", json=body, timeout=30).status_code == 401
    # model names a client makes up never become label values
    invented = {**body, "model": f"made-up-{uuid.uuid4()}"}
    assert httpx.post(f"{gateway.url}/v1/chat/completions", json=invented, timeout=30).status_code == 401
    with pytest.raises(openai.BadRequestError):
        oai.chat.completions.create(model=invented["model"], max_tokens=8, messages=body["messages"])
    # a scraper with a wrong token is not an LLM request and is not counted
    wrong = {"Authorization": "Bearer not-the-key"}
    assert httpx.get(f"{gateway.url}/metrics/", headers=wrong, timeout=30).status_code >= 400
    after = wait_for(gateway, requests_settled(before, 5))

    def failed(outcome: str, exception_class: str, **labels: str) -> float:
        return delta(before, after, "llmgw_requests_total", outcome=outcome, exception_class=exception_class, **labels)

    assert failed("rate_limited", "Bedrock.RateLimitError") == 1
    assert failed("client_error", "Bedrock.BadRequestError", model_group="claude-sonnet-4-5") == 1
    assert failed("client_error", "AuthenticationError", model_group="claude-haiku-4-5") == 1
    assert failed("client_error", "AuthenticationError", model_group="") == 1
    assert failed("client_error", "ProxyModelNotFoundError", model_group="") == 1
    assert delta(before, after, "llmgw_requests_total") == 5
    assert not [labels for labels, _ in after.series("llmgw_requests_total") if "made-up" in labels["model_group"]]
    throttled = after.series("llmgw_requests_total", outcome="rate_limited", exception_class="Bedrock.RateLimitError")
    assert {labels["model_group"] for labels, _ in throttled} == {"claude-haiku-4-5"}
    assert delta(before, after, "llmgw_spend_usd_total") == 0
    assert delta(before, after, "llmgw_tokens_total") == 0


def test_native_bedrock_client_through_the_pass_through_route_is_costed(gateway: Gateway) -> None:
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=f"{gateway.url}/bedrock",
        region_name="us-east-1",
        aws_access_key_id=gateway.master_key,
        aws_secret_access_key="unused",
        config=Config(retries={"max_attempts": 1}),
    )
    before = settled(gateway)
    text = f"Native call {uuid.uuid4()} [emulator output_tokens=3]"
    r = client.converse(modelId="claude-haiku-4-5", messages=[{"role": "user", "content": [{"text": text}]}])
    after = wait_for(gateway, requests_settled(before, 1))
    usage = r["usage"]
    want = expected_cost(HAIKU, input=usage["inputTokens"], output=usage["outputTokens"])
    assert delta(before, after, "llmgw_spend_usd_total", model=HAIKU) == pytest.approx(want, abs=TOLERANCE_USD)


def test_in_flight_counts_a_running_request_and_returns_to_zero(gateway: Gateway, oai: openai.OpenAI) -> None:
    settled(gateway)
    done = threading.Event()

    def slow() -> None:
        try:
            oai.chat.completions.create(
                model="claude-haiku-4-5",
                max_tokens=16,
                messages=[{"role": "user", "content": "Take your time [emulator latency_ms=4000 output_tokens=2]"}],
            )
        finally:
            done.set()

    worker = threading.Thread(target=slow)
    worker.start()
    try:
        wait_for(gateway, lambda s: s.total("llmgw_in_flight_requests") == 1 or done.is_set())
        assert not done.is_set(), "the request finished before the gauge was seen at 1"
    finally:
        worker.join(60)
    wait_for(gateway, lambda s: s.total("llmgw_in_flight_requests") == 0)


def test_exported_series_follow_the_label_contract(gateway: Gateway, oai: openai.OpenAI) -> None:
    oai.chat.completions.create(model="claude-haiku-4-5", max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    snapshot = wait_for(gateway, lambda s: s.total("llmgw_requests_total", outcome="success") > 0)
    names = {name for name, _, _ in snapshot.samples}
    assert {
        "llmgw_spend_usd_total",
        "llmgw_tokens_total",
        "llmgw_requests_total",
        "llmgw_cache_savings_usd_total",
        "llmgw_cache_write_spend_usd_total",
        "llmgw_in_flight_requests",
        "llmgw_process_resident_memory_bytes",
        "llmgw_process_cpu_seconds_total",
        "llmgw_label_overflow_total",
    } <= names
    for name, labels, value in snapshot.samples:
        assert set(labels) == CONTRACT_LABELS[name], (name, labels)
        assert "None" not in labels.values() and value >= 0, (name, labels, value)
        if "outcome" in labels:
            assert labels["outcome"] in {"success", "client_error", "upstream_error", "rate_limited", "budget_exceeded"}
        if "type" in labels:
            assert labels["type"] in {"input", "output", "cache_read", "cache_write"}
