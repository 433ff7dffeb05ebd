"""LiteLLM's own Bedrock client (the code the gateway runs) parses every emulator response.

Chat completions on ``bedrock/<id>`` use Converse (``/converse``, ``/converse-stream``); ``bedrock/invoke/<id>``
and the Anthropic ``/v1/messages`` route use InvokeModel (``/invoke``, ``/invoke-with-response-stream``);
``/v1/messages/count_tokens`` posts CountTokens on the *base* model id (inference-profile prefix stripped).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid

import pytest

from bedrock_emulator import tokens

from .conftest import HAIKU, HAIKU_BASE, Emulator

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")

import litellm
from litellm.llms.bedrock.count_tokens.bedrock_token_counter import BedrockTokenCounter

pytestmark = pytest.mark.timeout(60)

CONVERSE_MODEL = f"bedrock/{HAIKU}"
INVOKE_MODEL = f"bedrock/invoke/{HAIKU}"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather of a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
                "required": ["city", "unit"],
            },
        },
    }
]


@pytest.fixture
def aws(emulator: Emulator) -> dict[str, object]:
    return {
        "api_base": emulator.url,
        "aws_access_key_id": "x",
        "aws_secret_access_key": "y",
        "aws_region_name": "us-east-1",
        "num_retries": 0,
        "timeout": 30,
    }


def operations(emulator: Emulator) -> dict[str, int]:
    return emulator.requests()["by_operation"]


def stream_text(chunks) -> tuple[str, object, str | None]:
    text, usage, finish = "", None, None
    for chunk in chunks:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        usage = getattr(chunk, "usage", None) or usage
    return text, usage, finish


@pytest.mark.parametrize("model", [CONVERSE_MODEL, INVOKE_MODEL])
def test_completion_plain_and_streamed(model: str, aws: dict, emulator: Emulator) -> None:
    prompt = "Say something [emulator output_tokens=7]"
    messages = [{"role": "user", "content": prompt}]
    r = litellm.completion(model=model, messages=messages, max_tokens=64, **aws)
    text = r.choices[0].message.content
    assert tokens.count_output_tokens(text) == 7
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens == 7
    assert r.usage.prompt_tokens == tokens.count_text_tokens(prompt)

    streamed, usage, finish = stream_text(
        litellm.completion(
            model=model, messages=messages, max_tokens=64, stream=True, stream_options={"include_usage": True}, **aws
        )
    )
    assert streamed == text
    assert finish == "stop"
    assert usage.completion_tokens == 7 and usage.prompt_tokens == r.usage.prompt_tokens
    expected = {"converse": 1, "converse-stream": 1} if model == CONVERSE_MODEL else {"invoke": 1}
    if model == INVOKE_MODEL:
        expected["invoke-with-response-stream"] = 1
    assert operations(emulator) == expected


def test_completion_max_tokens_is_length(aws: dict) -> None:
    r = litellm.completion(model=CONVERSE_MODEL, messages=[{"role": "user", "content": "go"}], max_tokens=3, **aws)
    assert r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 3


@pytest.mark.parametrize("model", [CONVERSE_MODEL, INVOKE_MODEL])
def test_tool_calls(model: str, aws: dict) -> None:
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    offered = litellm.completion(model=model, messages=messages, tools=TOOLS, max_tokens=256, **aws)
    assert offered.choices[0].finish_reason == "stop"  # offered, not asked for: text
    r = litellm.completion(model=model, messages=messages, tools=TOOLS, tool_choice="required", max_tokens=256, **aws)
    assert r.choices[0].finish_reason == "tool_calls"
    [call] = r.choices[0].message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "city_value", "unit": "c"}

    arguments = ""
    for chunk in litellm.completion(
        model=model, messages=messages, tools=TOOLS, tool_choice="required", max_tokens=256, stream=True, **aws
    ):
        for tool_call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            arguments += tool_call.function.arguments or ""
    assert json.loads(arguments) == {"city": "city_value", "unit": "c"}

    follow_up = [
        *messages,
        r.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "21 degrees"},
    ]
    answer = litellm.completion(model=model, messages=follow_up, tools=TOOLS, max_tokens=256, **aws)
    assert answer.choices[0].finish_reason == "stop" and answer.choices[0].message.content


@pytest.mark.parametrize("model", [CONVERSE_MODEL, INVOKE_MODEL])
def test_prompt_cache_through_litellm(model: str, aws: dict) -> None:
    system_text = f"Long shared instructions {uuid.uuid4()} " * 40
    system = {
        "role": "system",
        "content": [{"type": "text", "text": system_text, "cache_control": {"type": "ephemeral"}}],
    }
    cached = tokens.count_text_tokens(system_text)
    first = litellm.completion(model=model, messages=[system, {"role": "user", "content": "one"}], **aws)
    second = litellm.completion(model=model, messages=[system, {"role": "user", "content": "two"}], **aws)
    assert first.usage.cache_creation_input_tokens == cached
    assert not first.usage.prompt_tokens_details.cached_tokens
    assert second.usage.prompt_tokens_details.cached_tokens == cached
    assert not second.usage.cache_creation_input_tokens
    assert second.usage.prompt_tokens == cached + tokens.count_text_tokens("two")


def test_errors_map_to_litellm_exceptions(aws: dict) -> None:
    def ask(model: str, fault: str) -> None:
        litellm.completion(model=model, messages=[{"role": "user", "content": f"[emulator fault={fault}]"}], **aws)

    with pytest.raises(litellm.RateLimitError) as throttled:
        ask(CONVERSE_MODEL, "throttle")
    assert throttled.value.status_code == 429 and "Too many requests" in str(throttled.value)
    with pytest.raises(litellm.BadRequestError) as invalid:
        ask(INVOKE_MODEL, "validation")
    assert "emulator fault=validation" in str(invalid.value)
    # LiteLLM 1.106.2 maps a Bedrock 500 (InternalServerException) to ServiceUnavailableError.
    with pytest.raises((litellm.InternalServerError, litellm.ServiceUnavailableError)):
        ask(CONVERSE_MODEL, "internal")


@pytest.mark.parametrize("model", [CONVERSE_MODEL, INVOKE_MODEL])
@pytest.mark.parametrize("fault", ["stream_error", "drop"])
def test_broken_streams_raise(model: str, fault: str, aws: dict) -> None:
    started = time.monotonic()
    with pytest.raises(Exception) as excinfo:
        stream_text(
            litellm.completion(
                model=model,
                messages=[{"role": "user", "content": f"[emulator fault={fault} output_tokens=30]"}],
                stream=True,
                **aws,
            )
        )
    assert not isinstance(excinfo.value, litellm.Timeout)
    assert time.monotonic() - started < 20


def test_anthropic_messages_route_uses_invoke(aws: dict, emulator: Emulator) -> None:
    """What the proxy runs for /v1/messages on a bedrock/ Claude deployment."""
    kwargs = {k: v for k, v in aws.items() if k != "num_retries"}

    async def run() -> tuple[dict, list[bytes]]:
        plain = await litellm.anthropic.messages.acreate(
            model=CONVERSE_MODEL,
            messages=[{"role": "user", "content": "hi [emulator output_tokens=4]"}],
            max_tokens=64,
            **kwargs,
        )
        stream = await litellm.anthropic.messages.acreate(
            model=CONVERSE_MODEL,
            messages=[{"role": "user", "content": "hi [emulator output_tokens=4]"}],
            max_tokens=64,
            stream=True,
            **kwargs,
        )
        return plain, [chunk async for chunk in stream]

    plain, chunks = asyncio.run(run())
    assert plain["stop_reason"] == "end_turn" and plain["usage"]["output_tokens"] == 4
    sse = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode()
    deltas = [json.loads(line[6:]) for line in sse.splitlines() if line.startswith("data: ")]
    text = "".join(d["delta"].get("text", "") for d in deltas if d["type"] == "content_block_delta")
    assert text == plain["content"][0]["text"]
    assert operations(emulator) == {"invoke": 1, "invoke-with-response-stream": 1}


def test_count_tokens_through_litellms_bedrock_counter(aws: dict, emulator: Emulator) -> None:
    """The counter behind the proxy's /v1/messages/count_tokens, in both request shapes it can send."""
    deployment = {"litellm_params": {"model": CONVERSE_MODEL, **aws}}
    counter = BedrockTokenCounter()

    async def count(**kwargs: object):
        return await counter.count_tokens(model_to_use=CONVERSE_MODEL, contents=None, deployment=deployment, **kwargs)

    plain = asyncio.run(count(messages=[{"role": "user", "content": "hello world"}], system="Be brief."))
    assert not plain.error, plain.error_message
    assert plain.total_tokens == tokens.count_text_tokens("hello world") + tokens.count_text_tokens("Be brief.")

    tool = {"name": "lookup", "description": "Look up", "input_schema": {"type": "object"}}
    blocks = [{"type": "text", "text": "hello world", "cache_control": {"type": "ephemeral"}}]
    with_blocks = asyncio.run(count(messages=[{"role": "user", "content": blocks}], tools=[tool]))
    assert not with_blocks.error, with_blocks.error_message
    expected = tokens.count_text_tokens("hello world") + tokens.count_anthropic_tool_tokens(tool)
    assert with_blocks.total_tokens == expected
    # CountTokens is called on the base model id: LiteLLM strips the inference-profile prefix ("us.").
    assert emulator.requests()["by_model_operation"] == {HAIKU_BASE: {"count-tokens": 2}}
