"""The emulator refuses what Bedrock refuses, with Bedrock's status and wording, through boto3 (real SigV4 requests)
and raw HTTP against the real emulator process. The wording and its sources: bedrock_emulator/messages_api.py and
catalog.py."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest
from botocore.eventstream import EventStreamBuffer

from bedrock_emulator import tokens

pytestmark = pytest.mark.timeout(60)

HAIKU_45 = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET_45 = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
OPUS_45 = "global.anthropic.claude-opus-4-5-20251101-v1:0"
SONNET_46 = "global.anthropic.claude-sonnet-4-6"
OPUS_47 = "global.anthropic.claude-opus-4-7"
HAIKU_55 = "global.anthropic.claude-haiku-5-5"
OPUS_55 = "global.anthropic.claude-opus-5-5"
TOOLS = [
    {
        "name": "Read",
        "description": "Read a file",
        "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]},
    },
    {"name": "Agent", "description": "Start a sub-agent", "input_schema": {"type": "object", "properties": {}}},
]


def body(**fields: object) -> dict:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 1000,
        "messages": [{"role": "user", "content": "Hello"}],
        **fields,
    }


def invoke(client, model: str, payload: dict) -> dict:
    return json.loads(client.invoke_model(modelId=model, body=json.dumps(payload))["body"].read())


def refused(client, model: str, payload: dict) -> tuple[str, int, str]:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client.invoke_model(modelId=model, body=json.dumps(payload))
    error = e.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Message"]


def test_the_model_answers_with_text_when_tools_are_only_offered(client) -> None:
    """An agent's tool list is not a request to call the first tool (Claude Code offers Agent first)."""
    answer = invoke(client, HAIKU_45, body(tools=TOOLS))
    assert answer["stop_reason"] == "end_turn"
    assert [b["type"] for b in answer["content"]] == ["text"]


def test_tools_are_called_only_when_forced_or_directed(client) -> None:
    forced = invoke(client, HAIKU_45, body(tools=TOOLS, tool_choice={"type": "any"}))
    assert forced["stop_reason"] == "tool_use" and forced["content"][0]["name"] == "Read"
    named = invoke(client, HAIKU_45, body(tools=TOOLS, tool_choice={"type": "tool", "name": "Agent"}))
    assert named["content"][0]["name"] == "Agent"
    directed = invoke(
        client, HAIKU_45, body(tools=TOOLS, messages=[{"role": "user", "content": "x [emulator tool=Read]"}])
    )
    assert directed["content"][0] == {
        **directed["content"][0],
        "name": "Read",
        "input": {"file_path": "file_path_value"},
    }
    not_offered = invoke(
        client, HAIKU_45, body(tools=TOOLS, messages=[{"role": "user", "content": "[emulator tool=Bash]"}])
    )
    assert [b["type"] for b in not_offered["content"]] == ["text"]


@pytest.mark.parametrize(
    ("model", "extra", "message"),
    [
        (HAIKU_45, {"speed": "fast"}, "speed: Extra inputs are not permitted"),
        (SONNET_45, {"temperature": 0.5, "top_p": 0.9},
         "`temperature` and `top_p` cannot both be specified for this model. Please use only one."),
        (OPUS_47, {"temperature": 0.5}, "temperature is deprecated for this model."),
        (OPUS_55, {"top_p": 0.5}, "top_p is deprecated for this model."),
        (OPUS_47, {"thinking": {"type": "enabled", "budget_tokens": 2000}},
         '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
         '"output_config.effort" to control thinking behavior.'),
        (HAIKU_45, {"thinking": {"type": "enabled", "budget_tokens": 2000}, "max_tokens": 1500},
         "`max_tokens` must be greater than `thinking.budget_tokens`."),
        (OPUS_55, {"thinking": {"type": "disabled"}}, '"thinking.type.disabled" is not supported for this model.'),
        (HAIKU_45, {"anthropic_beta": ["claude-code-20250219"]}, "invalid beta flag"),
        (SONNET_45, {"anthropic_beta": ["thinking-binding-controls-2026-08-01"]}, "invalid beta flag"),
        (HAIKU_45, {"output_config": {"effort": "high"}}, "output_config.effort: Extra inputs are not permitted"),
        (OPUS_45, {"output_config": {"effort": "high"}}, "output_config.effort: Extra inputs are not permitted"),
        (SONNET_46, {"output_config": {"effort": "xhigh"}},
         "output_config.effort: Input should be 'low', 'medium', 'high' or 'max'"),
        (HAIKU_55, {"max_tokens": 200_000}, "max_tokens: 200000 > 128000, which is the maximum allowed number of "
         "output tokens for claude-haiku-5-5"),
        (HAIKU_45, {"tools": TOOLS, "tool_choice": {"type": "any"}, "max_tokens": 4000,
                    "thinking": {"type": "enabled", "budget_tokens": 1024}},
         "Thinking may not be enabled when tool_choice forces tool use."),
        (OPUS_55, {"tools": TOOLS, "tool_choice": {"type": "any"}},
         "Thinking may not be enabled when tool_choice forces tool use."),
        (HAIKU_45, {"metadata": {"user_id": "u", "session": "s"}}, "metadata.session: Extra inputs are not permitted"),
        (HAIKU_45,
         {"messages": [{"role": "user", "content": [{"type": "text", "text": "a", "citations": [], "x": 1}]}]},
         "messages.0.content.0.x: Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_what_the_model_refuses(client, model: str, extra: dict, message: str) -> None:
    assert refused(client, model, body(**extra)) == ("ValidationException", 400, message)


@pytest.mark.parametrize(
    ("field", "beta", "extra"),
    [
        ("tools.0.defer_loading", "tool-search-tool-2025-10-19", {"tools": [{**TOOLS[0], "defer_loading": True}]}),
        ("tools.0.eager_input_streaming", "fine-grained-tool-streaming-2025-05-14",
         {"tools": [{**TOOLS[0], "eager_input_streaming": True}]}),
        ("context_management", "context-management-2025-06-27",
         {"context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}}),
        ("messages.1.output_config", "mid-conversation-output-config-2026-07-01",
         {"messages": [{"role": "user", "content": "a"},
                       {"role": "system", "content": "b", "output_config": {"effort": "low"}},
                       {"role": "user", "content": "c"}]}),
        ("thinking.display", "thinking-display-updates-2026-08-18",
         {"thinking": {"type": "adaptive", "display": "updates"}}),
    ],
)  # fmt: skip
def test_a_beta_field_needs_its_beta(client, field: str, beta: str, extra: dict) -> None:
    """Half a pair is a hard 400: the field without its beta is unknown to the model; with it, it is served."""
    assert refused(client, OPUS_55, body(**extra))[2] == f"{field}: Extra inputs are not permitted"
    invoke(client, OPUS_55, body(**extra, anthropic_beta=[beta]))


def test_context_management_edits_bedrock_does_not_serve(client) -> None:
    edit = {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]}
    message = refused(client, OPUS_55, body(context_management=edit, anthropic_beta=["context-management-2025-06-27"]))[
        2
    ]
    assert message.startswith("context_management.edits.0: Input tag 'clear_thinking_20251015' found using 'type'")


def test_prefill_and_mid_conversation_system_turns_per_model(client) -> None:
    prefill = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "Sure,"}]
    assert invoke(client, HAIKU_45, body(messages=prefill))["stop_reason"] in ("end_turn", "max_tokens")
    assert refused(client, OPUS_55, body(messages=prefill))[2] == (
        "This model does not support assistant message prefill. The conversation must end with a user message."
    )
    system_turn = [
        {"role": "user", "content": "a"},
        {"role": "system", "content": "b"},
        {"role": "user", "content": "c"},
    ]
    assert invoke(client, OPUS_55, body(messages=system_turn))["content"]
    assert (
        refused(client, SONNET_46, body(messages=system_turn))[2]
        == "messages.1: role 'system' is not supported on this model"
    )
    leading = [{"role": "system", "content": "b"}, {"role": "user", "content": "c"}]
    assert refused(client, OPUS_55, body(messages=leading))[2] == (
        "messages.0: use the top-level 'system' parameter for the initial system prompt"
    )


def test_tool_calls_and_results_must_pair(client) -> None:
    call = {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"file_path": "a"}}
    orphan = [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "x"}]}]
    assert (
        "unexpected `tool_use_id` found in `tool_result` blocks: toolu_9"
        in refused(client, HAIKU_45, body(messages=orphan))[2]
    )
    unanswered = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": "never mind"},
    ]
    message = refused(client, HAIKU_45, body(tools=TOOLS, messages=unanswered))[2]
    assert message.startswith(
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1"
    )


def test_thinking_blocks_are_signed_and_checked_when_sent_back(client) -> None:
    first = invoke(client, OPUS_55, body(thinking={"type": "adaptive"}))
    thinking, text = first["content"]
    assert thinking["type"] == "thinking" and thinking["thinking"] and thinking["signature"]
    assert text["type"] == "text"
    assert first["usage"]["output_tokens"] == len(thinking["thinking"].split()) + len(text["text"].split())
    history = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": first["content"]},
               {"role": "user", "content": "More"}]  # fmt: skip
    assert invoke(client, OPUS_55, body(messages=history))["content"]
    forged = [history[0], {"role": "assistant", "content": [{**thinking, "thinking": "changed"}, text]}, history[2]]
    assert (
        refused(client, OPUS_55, body(messages=forged))[2]
        == "messages.1.content.0: Invalid `signature` in `thinking` block"
    )


def test_omitted_thinking_streams_a_signature_and_bills_the_tokens(client) -> None:
    response = client.invoke_model_with_response_stream(
        modelId=OPUS_55, body=json.dumps(body(thinking={"type": "adaptive", "display": "omitted"}))
    )
    events = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
    starts = [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"]
    assert starts == ["thinking", "text"]
    deltas = [e["delta"]["type"] for e in events if e["type"] == "content_block_delta" and e["index"] == 0]
    assert deltas == ["signature_delta"]
    text = "".join(e["delta"]["text"] for e in events if e.get("delta", {}).get("type") == "text_delta")
    final = next(e for e in events if e["type"] == "message_delta")["usage"]["output_tokens"]
    assert final > len(text.split())  # the omitted thinking tokens are billed


def test_one_hour_cache_writes_are_reported_apart(client) -> None:
    system = [{"type": "text", "text": "long instructions " * 40, "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    usage = invoke(client, OPUS_55, body(system=system, messages=[{"role": "user", "content": "q1 unique-1h"}]))[
        "usage"
    ]
    written = tokens.count_text_tokens(system[0]["text"])
    assert usage["cache_creation"] == {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": written}
    assert usage["cache_creation_input_tokens"] == written


def test_model_ids_bedrock_does_not_serve(client) -> None:
    assert refused(client, "anthropic.claude-opus-5-5", body()) == (
        "ValidationException",
        400,
        "Invocation of model ID anthropic.claude-opus-5-5 with on-demand throughput isn\u2019t supported. Retry your "
        "request with the ID or ARN of an inference profile that contains this model.",
    )
    assert (
        refused(client, "jp.anthropic.claude-opus-4-5-20251101-v1:0", body())[2]
        == "The provided model identifier is invalid."
    )


def test_count_tokens_on_runtime_and_on_mantle(client, emulator) -> None:
    payload = body(tools=TOOLS, system="Be brief.")
    expected = tokens.count_anthropic_input_tokens(payload)
    counted = client.count_tokens(
        modelId="anthropic.claude-haiku-4-5-20251001-v1:0", input={"invokeModel": {"body": json.dumps(payload)}}
    )
    assert counted["inputTokens"] == expected
    with pytest.raises(botocore.exceptions.ClientError, match="invalid"):
        client.count_tokens(modelId=HAIKU_45, input={"invokeModel": {"body": json.dumps(payload)}})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client.count_tokens(modelId="anthropic.claude-opus-5-5", input={"invokeModel": {"body": json.dumps(payload)}})
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    mantle = {
        "model": "anthropic.claude-opus-5-5",
        "messages": payload["messages"],
        "tools": TOOLS,
        "system": "Be brief.",
    }
    headers = {"Content-Type": "application/json", "anthropic-version": "2023-06-01"}
    status, _, raw = emulator.post_raw("/anthropic/v1/messages/count_tokens", json.dumps(mantle).encode(), headers)
    assert (status, json.loads(raw)) == (200, {"input_tokens": expected})
    status, _, raw = emulator.post_raw(
        "/anthropic/v1/messages/count_tokens", json.dumps({**mantle, "max_tokens": 5}).encode(), headers
    )
    assert status == 400
    assert json.loads(raw) == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: Extra inputs are not permitted"},
    }


def test_converse_applies_the_same_model_rules(client) -> None:
    messages = [{"role": "user", "content": [{"text": "Hello"}]}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client.converse(modelId=SONNET_45, messages=messages, inferenceConfig={"temperature": 0.5, "topP": 0.5})
    assert e.value.response["Error"]["Message"] == (
        "The model returned the following errors: `temperature` and `top_p` cannot both be specified for this model. "
        "Please use only one."
    )
    with pytest.raises(botocore.exceptions.ClientError, match="reasoning: Extra inputs are not permitted"):
        client.converse(modelId=HAIKU_45, messages=messages, additionalModelRequestFields={"reasoning": {}})
    answer = client.converse(
        modelId=OPUS_55, messages=messages, additionalModelRequestFields={"thinking": {"type": "adaptive"}}
    )
    reasoning = answer["output"]["message"]["content"][0]["reasoningContent"]["reasoningText"]
    assert reasoning["text"] and reasoning["signature"]


def test_received_requests_are_recorded_without_credentials(client, emulator) -> None:
    assert emulator.call("DELETE", "/emulator/received")[0] == 200
    invoke(client, HAIKU_45, body(anthropic_beta=["context-1m-2025-08-07"]))
    status, received = emulator.call("GET", "/emulator/received")
    assert status == 200 and len(received) == 1
    entry = received[0]
    assert entry["operation"] == "invoke" and entry["model"] == HAIKU_45 and entry["status"] == 200
    assert entry["body"]["anthropic_beta"] == ["context-1m-2025-08-07"]
    assert "authorization" not in entry["headers"] and entry["headers"]["x-amz-date"]


def test_event_stream_decoding_is_unchanged(client) -> None:
    response = client.invoke_model_with_response_stream(modelId=HAIKU_45, body=json.dumps(body()))
    raw = response["body"]._raw_stream.read()
    buffer = EventStreamBuffer()
    buffer.add_data(raw)
    assert all(message.headers[":message-type"] == "event" for message in buffer)
