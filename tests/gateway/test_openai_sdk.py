"""The official OpenAI SDK against the real gateway and the Bedrock emulator."""

from __future__ import annotations

import json

import openai

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}


def test_chat_completion(oai: openai.OpenAI) -> None:
    r = oai.chat.completions.create(
        model="claude-haiku-4-5",
        max_tokens=64,
        messages=[{"role": "user", "content": "Say hello [emulator output_tokens=7]"}],
    )
    assert r.choices[0].message.role == "assistant"
    assert len(r.choices[0].message.content.split()) == 7
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens == 7
    assert r.usage.prompt_tokens > 0


def test_dated_model_ids_resolve(oai: openai.OpenAI) -> None:
    for model in ("claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101"):
        r = oai.chat.completions.create(model=model, max_tokens=16, messages=[{"role": "user", "content": "hi"}])
        assert r.choices[0].message.content


def test_unknown_model_is_a_client_error(oai: openai.OpenAI) -> None:
    try:
        oai.chat.completions.create(model="gpt-4o", max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    except openai.APIStatusError as e:
        assert 400 <= e.status_code < 500
        assert "gpt-4o" in str(e)
    else:
        raise AssertionError("an unknown model must be refused")


def test_streaming_with_usage(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="claude-sonnet-4-5",
        max_tokens=64,
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Count [emulator output_tokens=12]"}],
    )
    text, usage, finish = "", None, None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    assert len(text.split()) == 12
    assert finish == "stop"
    assert usage is not None and usage.completion_tokens == 12 and usage.prompt_tokens > 0


def test_tool_call_round_trip(oai: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "What's the weather in Paris?"}]
    r = oai.chat.completions.create(
        model="claude-haiku-4-5", max_tokens=128, messages=messages, tools=[WEATHER_TOOL], tool_choice="required"
    )
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert "city" in json.loads(call.function.arguments)

    messages += [
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'},
    ]
    r2 = oai.chat.completions.create(model="claude-haiku-4-5", max_tokens=64, messages=messages, tools=[WEATHER_TOOL])
    assert r2.choices[0].finish_reason == "stop"
    assert r2.choices[0].message.content
