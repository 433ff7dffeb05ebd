"""boto3's bedrock-runtime client against the real emulator process: every operation, tools, cache, errors."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
import urllib3.exceptions
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EventStreamError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from bedrock_emulator import tokens

from .conftest import HAIKU, HAIKU_BASE, OPUS, SONNET, Emulator

pytestmark = pytest.mark.timeout(60)

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
    "required": ["city", "unit"],
}
CONVERSE_TOOLS = {
    "tools": [
        {"toolSpec": {"name": "get_weather", "description": "Weather", "inputSchema": {"json": WEATHER_SCHEMA}}},
        {"toolSpec": {"name": "get_time", "inputSchema": {"json": {"type": "object"}}}},
    ]
}
ANTHROPIC_TOOLS = [
    {"name": "get_weather", "description": "Weather", "input_schema": WEATHER_SCHEMA},
    {"name": "get_time", "input_schema": {"type": "object"}},
]
STREAM_FAILURES = (EventStreamError, ResponseStreamingError, urllib3.exceptions.ProtocolError, ReadTimeoutError)


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": [{"text": text}]}]


def anthropic_body(content: object, **extra: object) -> str:
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 256, **extra}
    body["messages"] = content if isinstance(content, list) else [{"role": "user", "content": content}]
    return json.dumps(body)


def drain_converse_stream(response: dict) -> tuple[str, dict, list[str]]:
    text, metadata, kinds, tool_input = "", {}, [], ""
    for event in response["stream"]:
        kind = next(iter(event))
        kinds.append(kind)
        if kind == "contentBlockDelta":
            delta = event[kind]["delta"]
            text += delta.get("text", "")
            tool_input += delta.get("toolUse", {}).get("input", "")
        elif kind in ("messageStop", "metadata"):
            metadata.update(event[kind])
    if tool_input:
        metadata["toolInput"] = json.loads(tool_input)
    return text, metadata, kinds


def drain_invoke_stream(response: dict) -> list[dict]:
    return [json.loads(event["chunk"]["bytes"]) for event in response["body"]]


# ------------------------------------------------------------------------------------------------ Converse


def test_converse(client) -> None:
    messages = user("Hello, emulator!")
    r = client.converse(modelId=HAIKU, messages=messages, inferenceConfig={"maxTokens": 100})
    text = r["output"]["message"]["content"][0]["text"]
    assert r["output"]["message"]["role"] == "assistant"
    assert r["stopReason"] == "end_turn"
    assert tokens.count_output_tokens(text) == 16
    usage = r["usage"]
    assert usage["inputTokens"] == tokens.count_converse_input_tokens({"messages": messages})
    assert usage["outputTokens"] == 16
    assert usage["totalTokens"] == usage["inputTokens"] + 16
    assert usage["cacheReadInputTokens"] == usage["cacheWriteInputTokens"] == 0
    assert r["metrics"]["latencyMs"] >= 0


def test_converse_is_deterministic_and_stream_matches(client) -> None:
    messages = user("Tell me something [emulator output_tokens=9]")
    system = [{"text": "Be brief."}]
    first = client.converse(modelId=SONNET, messages=messages, system=system)
    second = client.converse(modelId=SONNET, messages=messages, system=system)
    text = first["output"]["message"]["content"][0]["text"]
    assert text == second["output"]["message"]["content"][0]["text"]
    assert tokens.count_output_tokens(text) == 9
    other = client.converse(modelId=SONNET, messages=user("Something else [emulator output_tokens=9]"), system=system)
    assert other["output"]["message"]["content"][0]["text"] != text

    streamed, metadata, kinds = drain_converse_stream(
        client.converse_stream(modelId=SONNET, messages=messages, system=system)
    )
    assert streamed == text
    assert kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"]
    assert kinds.count("contentBlockDelta") == 9 and "contentBlockStop" in kinds
    assert metadata["stopReason"] == "end_turn"
    assert metadata["usage"] == first["usage"]
    assert metadata["metrics"]["latencyMs"] >= 0


def test_converse_max_tokens_caps_the_answer(client) -> None:
    r = client.converse(modelId=HAIKU, messages=user("Go on"), inferenceConfig={"maxTokens": 4})
    assert r["stopReason"] == "max_tokens"
    assert r["usage"]["outputTokens"] == 4
    assert tokens.count_output_tokens(r["output"]["message"]["content"][0]["text"]) == 4
    _, metadata, _ = drain_converse_stream(
        client.converse_stream(modelId=HAIKU, messages=user("Go on"), inferenceConfig={"maxTokens": 4})
    )
    assert metadata["stopReason"] == "max_tokens" and metadata["usage"]["outputTokens"] == 4


def test_converse_tool_use_then_tool_result(client) -> None:
    messages = user("What's the weather in Paris?")
    offered = client.converse(modelId=HAIKU, messages=messages, toolConfig=CONVERSE_TOOLS)
    assert offered["stopReason"] == "end_turn"  # tools offered, none asked for: the model answers with text
    r = client.converse(modelId=HAIKU, messages=messages, toolConfig={**CONVERSE_TOOLS, "toolChoice": {"any": {}}})
    assert r["stopReason"] == "tool_use"
    [block] = r["output"]["message"]["content"]
    call = block["toolUse"]
    assert call["name"] == "get_weather"
    assert call["input"] == {"city": "city_value", "unit": "c"}
    assert r["usage"]["outputTokens"] == tokens.count_tool_use_tokens("get_weather", call["input"])
    assert r["usage"]["inputTokens"] == tokens.count_converse_input_tokens(
        {"messages": messages, "toolConfig": CONVERSE_TOOLS}
    )

    chosen = client.converse(
        modelId=HAIKU, messages=messages, toolConfig={**CONVERSE_TOOLS, "toolChoice": {"tool": {"name": "get_time"}}}
    )
    assert chosen["output"]["message"]["content"][0]["toolUse"]["name"] == "get_time"
    assert chosen["output"]["message"]["content"][0]["toolUse"]["input"] == {}

    follow_up = [
        *messages,
        {"role": "assistant", "content": [block]},
        {
            "role": "user",
            "content": [{"toolResult": {"toolUseId": call["toolUseId"], "content": [{"json": {"temp": 21}}]}}],
        },
    ]
    answer = client.converse(modelId=HAIKU, messages=follow_up, toolConfig=CONVERSE_TOOLS)
    assert answer["stopReason"] == "end_turn"
    assert answer["output"]["message"]["content"][0]["text"]


def test_converse_stream_tool_use(client) -> None:
    response = client.converse_stream(
        modelId=HAIKU, messages=user("Weather?"), toolConfig={**CONVERSE_TOOLS, "toolChoice": {"any": {}}}
    )
    events = list(response["stream"])
    start = next(e["contentBlockStart"] for e in events if "contentBlockStart" in e)
    assert start["start"]["toolUse"]["name"] == "get_weather" and start["start"]["toolUse"]["toolUseId"]
    pieces = [e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events if "contentBlockDelta" in e]
    assert json.loads("".join(pieces)) == {"city": "city_value", "unit": "c"}
    assert next(e["messageStop"] for e in events if "messageStop" in e)["stopReason"] == "tool_use"


def test_converse_cache_point_writes_then_reads(client) -> None:
    prefix = f"Shared context {uuid.uuid4()} " * 30
    system = [{"text": prefix}, {"cachePoint": {"type": "default"}}]
    expected = tokens.count_text_tokens(prefix)
    first = client.converse(modelId=HAIKU, system=system, messages=user("first"))["usage"]
    second = client.converse(modelId=HAIKU, system=system, messages=user("second"))["usage"]
    assert (first["cacheWriteInputTokens"], first["cacheReadInputTokens"]) == (expected, 0)
    assert (second["cacheWriteInputTokens"], second["cacheReadInputTokens"]) == (0, expected)
    assert first["inputTokens"] == tokens.count_text_tokens("first")
    assert second["totalTokens"] == second["inputTokens"] + expected + second["outputTokens"]
    # Another model has its own cache.
    other = client.converse(modelId=SONNET, system=system, messages=user("first"))["usage"]
    assert other["cacheWriteInputTokens"] == expected


def test_converse_arn_model_id_is_decoded(client, emulator: Emulator) -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert client.converse(modelId=arn, messages=user("hi"))["stopReason"] == "end_turn"
    assert emulator.requests()["by_model"] == {arn: 1}


# ---------------------------------------------------------------------------------------------- InvokeModel


def test_invoke_model(client) -> None:
    r = client.invoke_model(modelId=HAIKU, body=anthropic_body("Hello there", system="Be nice."))
    body = json.loads(r["body"].read())
    assert r["contentType"] == "application/json"
    assert body["type"] == "message" and body["role"] == "assistant"
    assert body["model"] == "claude-haiku-4-5-20251001"
    assert body["id"].startswith("msg_bdrk_")
    assert body["stop_reason"] == "end_turn" and body["stop_sequence"] is None
    assert body["content"][0]["type"] == "text"
    assert tokens.count_output_tokens(body["content"][0]["text"]) == 16
    expected_input = tokens.count_text_tokens("Hello there") + tokens.count_text_tokens("Be nice.")
    assert body["usage"] == {
        "input_tokens": expected_input,
        "output_tokens": 16,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
    }
    headers = r["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-bedrock-input-token-count"] == str(expected_input)
    assert headers["x-amzn-bedrock-output-token-count"] == "16"
    assert int(headers["x-amzn-bedrock-invocation-latency"]) >= 0


def test_invoke_stream_matches_invoke(client) -> None:
    body = anthropic_body("Stream me [emulator output_tokens=6]", anthropic_beta=["context-1m-2025-08-07"])
    text = json.loads(client.invoke_model(modelId=OPUS, body=body)["body"].read())["content"][0]["text"]
    response = client.invoke_model_with_response_stream(modelId=OPUS, body=body)
    assert response["contentType"] == "application/json"
    events = drain_invoke_stream(response)
    assert [e["type"] for e in events] == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * 6,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta") == text
    start, delta, stop = events[0], events[-2], events[-1]
    assert start["message"]["model"] == "claude-opus-4-5-20251101"
    assert start["message"]["usage"]["input_tokens"] == tokens.count_text_tokens("Stream me [emulator output_tokens=6]")
    assert delta["delta"]["stop_reason"] == "end_turn" and delta["usage"] == {"output_tokens": 6}
    metrics = stop["amazon-bedrock-invocationMetrics"]
    assert metrics["inputTokenCount"] == start["message"]["usage"]["input_tokens"]
    assert metrics["outputTokenCount"] == 6
    assert metrics["cacheReadInputTokenCount"] == metrics["cacheWriteInputTokenCount"] == 0
    assert metrics["invocationLatency"] >= metrics["firstByteLatency"] >= 0


def test_invoke_tool_use_then_tool_result(client) -> None:
    r = json.loads(
        client.invoke_model(
            modelId=HAIKU, body=anthropic_body("Weather?", tools=ANTHROPIC_TOOLS, tool_choice={"type": "any"})
        )["body"].read()
    )
    assert r["stop_reason"] == "tool_use"
    [call] = r["content"]
    assert call["type"] == "tool_use" and call["id"].startswith("toolu_bdrk_")
    assert call["name"] == "get_weather" and call["input"] == {"city": "city_value", "unit": "c"}
    assert r["usage"]["output_tokens"] == tokens.count_tool_use_tokens("get_weather", call["input"])

    forced = json.loads(
        client.invoke_model(
            modelId=HAIKU,
            body=anthropic_body("Time?", tools=ANTHROPIC_TOOLS, tool_choice={"type": "tool", "name": "get_time"}),
        )["body"].read()
    )
    assert forced["content"][0]["name"] == "get_time"
    none = json.loads(
        client.invoke_model(
            modelId=HAIKU, body=anthropic_body("Chat", tools=ANTHROPIC_TOOLS, tool_choice={"type": "none"})
        )["body"].read()
    )
    assert none["stop_reason"] == "end_turn"

    conversation = [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": r["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "21C"}]},
    ]
    answer = json.loads(
        client.invoke_model(modelId=HAIKU, body=anthropic_body(conversation, tools=ANTHROPIC_TOOLS))["body"].read()
    )
    assert answer["stop_reason"] == "end_turn" and answer["content"][0]["type"] == "text"
    assert answer["usage"]["input_tokens"] == tokens.count_anthropic_input_tokens(
        {"tools": ANTHROPIC_TOOLS, "messages": conversation}
    )


def test_invoke_stream_tool_use(client) -> None:
    events = drain_invoke_stream(
        client.invoke_model_with_response_stream(
            modelId=HAIKU, body=anthropic_body("Weather?", tools=ANTHROPIC_TOOLS, tool_choice={"type": "any"})
        )
    )
    start = next(e for e in events if e["type"] == "content_block_start")
    assert start["content_block"]["type"] == "tool_use" and start["content_block"]["name"] == "get_weather"
    partial = "".join(e["delta"]["partial_json"] for e in events if e["type"] == "content_block_delta")
    assert json.loads(partial) == {"city": "city_value", "unit": "c"}
    assert next(e for e in events if e["type"] == "message_delta")["delta"]["stop_reason"] == "tool_use"


def test_invoke_cache_control_writes_then_reads_longest_prefix(client) -> None:
    tag = str(uuid.uuid4())
    tools = [{**ANTHROPIC_TOOLS[0], "description": f"Weather {tag}", "cache_control": {"type": "ephemeral"}}]
    system_a = [{"type": "text", "text": f"System A {tag} " * 20, "cache_control": {"type": "ephemeral"}}]
    system_b = [{"type": "text", "text": f"System B {tag} " * 20, "cache_control": {"type": "ephemeral"}}]
    tool_tokens = tokens.count_anthropic_tool_tokens(tools[0])
    system_tokens = tokens.count_text_tokens(system_a[0]["text"])

    def usage(system: list, question: str, stream: bool = False) -> dict:
        body = anthropic_body(question, tools=tools, system=system, tool_choice={"type": "none"})
        if stream:
            events = drain_invoke_stream(client.invoke_model_with_response_stream(modelId=HAIKU, body=body))
            return events[0]["message"]["usage"]
        return json.loads(client.invoke_model(modelId=HAIKU, body=body)["body"].read())["usage"]

    first = usage(system_a, "q1")
    assert first["cache_creation_input_tokens"] == tool_tokens + system_tokens
    assert first["cache_read_input_tokens"] == 0
    assert first["input_tokens"] == tokens.count_text_tokens("q1")
    second = usage(system_a, "q2", stream=True)
    assert second["cache_read_input_tokens"] == tool_tokens + system_tokens
    assert second["cache_creation_input_tokens"] == 0
    third = usage(system_b, "q3")  # same tools, new system prompt: tools read, system written
    assert third["cache_read_input_tokens"] == tool_tokens
    assert third["cache_creation_input_tokens"] == system_tokens


# ---------------------------------------------------------------------------------------------- CountTokens


def test_count_tokens_both_input_forms(client) -> None:
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 10,
        "system": "Count carefully.",
        "tools": ANTHROPIC_TOOLS,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "How many?"}]}],
    }
    counted = client.count_tokens(modelId=HAIKU_BASE, input={"invokeModel": {"body": json.dumps(body).encode()}})
    assert counted["inputTokens"] == tokens.count_anthropic_input_tokens(body)
    served = json.loads(client.invoke_model(modelId=HAIKU, body=json.dumps(body))["body"].read())["usage"]
    assert served["input_tokens"] == counted["inputTokens"]

    converse_input = {
        "messages": user("How many?"),
        "system": [{"text": "Count carefully."}],
        "toolConfig": CONVERSE_TOOLS,
    }
    counted = client.count_tokens(modelId=HAIKU_BASE, input={"converse": converse_input})
    assert counted["inputTokens"] == tokens.count_converse_input_tokens(converse_input)
    assert counted["inputTokens"] == client.converse(modelId=HAIKU, **converse_input)["usage"]["inputTokens"]


def test_count_tokens_accepts_what_litellm_sends(emulator: Emulator) -> None:
    """LiteLLM 1.106.2 posts these two shapes (base model id, invokeModel.body base64) for /v1/messages/count_tokens."""
    anthropic = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}
        ],
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 1024,
    }
    invoke_form = {"input": {"invokeModel": {"body": base64.b64encode(json.dumps(anthropic).encode()).decode()}}}
    converse_form = {
        "input": {
            "converse": {
                "messages": [{"role": "user", "content": [{"text": "hello world"}]}],
                "system": [{"text": "sys"}],
                "toolConfig": {
                    "tools": [
                        {"toolSpec": {"name": "t", "description": "t", "inputSchema": {"json": {"type": "object"}}}}
                    ]
                },
            }
        }
    }
    path = "/model/anthropic.claude-haiku-4-5-20251001-v1%3A0/count-tokens"
    status, _, raw = emulator.post_raw(path, json.dumps(invoke_form).encode(), {"Content-Type": "application/json"})
    assert (status, json.loads(raw)) == (200, {"inputTokens": 1})
    status, _, raw = emulator.post_raw(path, json.dumps(converse_form).encode(), {"Content-Type": "application/json"})
    assert status == 200
    assert json.loads(raw) == {"inputTokens": tokens.count_converse_input_tokens(converse_form["input"]["converse"])}


# ------------------------------------------------------------------------------------------------- Errors


def error_of(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        call()
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [
        ("throttle", "ThrottlingException", 429),
        ("not_ready", "ModelNotReadyException", 429),
        ("internal", "InternalServerException", 500),
        ("unavailable", "ServiceUnavailableException", 503),
        ("timeout", "ModelTimeoutException", 408),
        ("validation", "ValidationException", 400),
        ("context_overflow", "ValidationException", 400),
    ],
)
def test_fault_directives_become_bedrock_errors(client, fault: str, code: str, status: int) -> None:
    prompt = f"Please fail [emulator fault={fault}]"
    assert error_of(lambda: client.converse(modelId=OPUS, messages=user(prompt)))[:2] == (code, status)
    assert error_of(lambda: client.invoke_model(modelId=OPUS, body=anthropic_body(prompt)))[:2] == (code, status)
    stream = lambda: client.invoke_model_with_response_stream(modelId=OPUS, body=anthropic_body(prompt))  # noqa: E731
    assert error_of(stream)[:2] == (code, status)


def test_throttle_message_and_error_type_header(emulator: Emulator) -> None:
    body = anthropic_body("[emulator fault=throttle]").encode()
    status, headers, raw = emulator.post_raw(f"/model/{OPUS}/invoke", body)
    assert status == 429
    assert headers["x-amzn-ErrorType"] == "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"
    assert json.loads(raw) == {"message": "Too many requests, please wait before trying again."}


def test_only_model_that_does_not_match_is_ignored(client, emulator: Emulator) -> None:
    prompt = "Plan it [emulator fault=throttle only_model=opus]"
    assert client.converse(modelId=SONNET, messages=user(prompt))["stopReason"] == "end_turn"
    assert error_of(lambda: client.converse(modelId=OPUS, messages=user(prompt)))[0] == "ThrottlingException"
    counts = emulator.requests()
    assert counts["served_by_model"] == {SONNET: 1}
    assert counts["failed_by_model"] == {OPUS: 1}


def test_directive_header_for_direct_clients(client) -> None:
    def add_directive(request, **_: object) -> None:
        request.headers["x-emulator-directive"] = "fault=unavailable only_model=haiku"

    client.meta.events.register("before-send.bedrock-runtime.Converse", add_directive)
    assert error_of(lambda: client.converse(modelId=HAIKU, messages=user("hi")))[:2] == (
        "ServiceUnavailableException",
        503,
    )
    assert client.converse(modelId=SONNET, messages=user("hi"))["stopReason"] == "end_turn"


def test_fault_rules_api_with_times(client, emulator: Emulator) -> None:
    emulator.set_faults([{"model_contains": "opus", "fault": "throttle", "times": 2}])
    for _ in range(2):
        assert error_of(lambda: client.converse(modelId=OPUS, messages=user("hi")))[0] == "ThrottlingException"
    assert client.converse(modelId=OPUS, messages=user("hi"))["stopReason"] == "end_turn"
    assert client.converse(modelId=HAIKU, messages=user("hi"))["stopReason"] == "end_turn"
    rows = {(r["operation"], r["model"]): r for r in emulator.requests()["requests"]}
    assert rows[("converse", OPUS)] == {"operation": "converse", "model": OPUS, "count": 3, "served": 1, "failed": 2}
    assert rows[("converse", HAIKU)]["served"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]},
            "Malformed input request: #: required key [anthropic_version] not found, please reformat your input "
            "and try again.",
        ),
        (
            {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 0,
                "messages": [{"role": "user", "content": "x"}],
            },
            "Malformed input request: #/max_tokens: 0 is not greater or equal to 1, please reformat your input and "
            "try again.",
        ),
        (
            {"anthropic_version": "bedrock-2023-05-31", "messages": [{"role": "user", "content": "x"}]},
            "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try "
            "again.",
        ),
    ],
)
def test_malformed_invoke_bodies(client, body: dict, message: str) -> None:
    assert error_of(lambda: client.invoke_model(modelId=HAIKU, body=json.dumps(body))) == (
        "ValidationException",
        400,
        message,
    )


def test_invalid_json_and_bad_converse_requests(client, emulator: Emulator) -> None:
    code, status, message = error_of(lambda: client.invoke_model(modelId=HAIKU, body=b"{not json"))
    assert (code, status) == ("ValidationException", 400) and message.startswith("Malformed input request")
    code, status, message = error_of(lambda: client.converse(modelId=HAIKU, messages=[]))
    assert (code, status) == ("ValidationException", 400) and "must start with a user message" in message
    status, _, raw = emulator.post_raw(
        f"/model/{HAIKU}/converse", json.dumps({"messages": user("x"), "inferenceConfig": {"maxTokens": 0}}).encode()
    )
    assert status == 400 and "inferenceConfig.maxTokens" in json.loads(raw)["message"]


def test_unknown_model_id(client) -> None:
    for model_id in ("amazon.nova-pro-v1:0", "meta.llama3-70b-instruct-v1:0"):
        assert error_of(lambda m=model_id: client.converse(modelId=m, messages=user("hi"))) == (
            "ValidationException",
            400,
            "The provided model identifier is invalid.",
        )


# ------------------------------------------------------------------------------------------ Broken streams


def test_mid_stream_exception_frame_raises_event_stream_error(client) -> None:
    response = client.converse_stream(modelId=HAIKU, messages=user("[emulator fault=stream_error]"))
    with pytest.raises(EventStreamError) as excinfo:
        drain_converse_stream(response)
    assert excinfo.value.response["Error"]["Code"] == "modelStreamErrorException"

    response = client.invoke_model_with_response_stream(
        modelId=HAIKU, body=anthropic_body("[emulator fault=throttle after_frames=3]")
    )
    received = []
    with pytest.raises(EventStreamError) as excinfo:
        for event in response["body"]:
            received.append(event)
    assert excinfo.value.response["Error"]["Code"] == "throttlingException"
    assert len(received) == 3


@pytest.mark.parametrize("api", ["converse", "invoke"])
def test_dropped_stream_raises_instead_of_hanging(client, api: str) -> None:
    started = time.monotonic()
    prompt = "[emulator fault=drop output_tokens=40]"
    with pytest.raises(STREAM_FAILURES):
        if api == "converse":
            drain_converse_stream(client.converse_stream(modelId=HAIKU, messages=user(prompt)))
        else:
            drain_invoke_stream(client.invoke_model_with_response_stream(modelId=HAIKU, body=anthropic_body(prompt)))
    assert time.monotonic() - started < 10


def test_dropped_non_stream_request_raises(client) -> None:
    with pytest.raises(ConnectionClosedError):
        client.converse(modelId=HAIKU, messages=user("[emulator fault=drop]"))


def test_slow_first_byte_and_pacing(client) -> None:
    started = time.monotonic()
    client.converse(modelId=HAIKU, messages=user("[emulator fault=slow_first_byte delay_ms=400]"))
    assert time.monotonic() - started >= 0.4

    started = time.monotonic()
    response = client.converse_stream(modelId=HAIKU, messages=user("[emulator ttft_ms=300 tps=50 output_tokens=11]"))
    arrivals = []
    for event in response["stream"]:
        if "contentBlockDelta" in event:
            arrivals.append(time.monotonic() - started)
    assert len(arrivals) == 11
    assert arrivals[0] >= 0.3
    assert arrivals[-1] - arrivals[0] >= 10 / 50 * 0.9
