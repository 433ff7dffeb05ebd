"""Bedrock-native clients: boto3's bedrock-runtime client through the gateway's /bedrock pass-through."""

from __future__ import annotations

import boto3
import botocore.config
import pytest

from support.stack import Gateway

MESSAGES = [{"role": "user", "content": [{"text": "Hello from boto3 [emulator output_tokens=6]"}]}]


def client(gateway: Gateway, access_key: str = "unused", header_key: str | None = None):
    c = boto3.client(
        "bedrock-runtime",
        endpoint_url=f"{gateway.url}/bedrock",
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key="unused-the-gateway-re-signs",
        config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=60),
    )
    if header_key:

        def add_key(request, **_):
            request.headers["x-litellm-api-key"] = header_key

        c.meta.events.register("before-send.bedrock-runtime.*", add_key)
    return c


@pytest.mark.parametrize("how", ["x-litellm-api-key header", "SigV4 access key id"])
def test_converse(gateway: Gateway, how: str) -> None:
    by_header = how.endswith("header")
    c = client(gateway, header_key=gateway.master_key) if by_header else client(gateway, gateway.master_key)
    r = c.converse(modelId="claude-haiku-4-5", messages=MESSAGES, inferenceConfig={"maxTokens": 64})
    assert r["stopReason"] == "end_turn"
    assert len(r["output"]["message"]["content"][0]["text"].split()) == 6
    assert r["usage"]["outputTokens"] == 6


def test_converse_stream(gateway: Gateway) -> None:
    c = client(gateway, header_key=gateway.master_key)
    r = c.converse_stream(modelId="claude-sonnet-4-5", messages=MESSAGES, inferenceConfig={"maxTokens": 64})
    text, stop, usage = "", None, None
    for event in r["stream"]:
        if "contentBlockDelta" in event:
            text += event["contentBlockDelta"]["delta"].get("text", "")
        stop = event.get("messageStop", {}).get("stopReason", stop)
        usage = event.get("metadata", {}).get("usage", usage)
    assert len(text.split()) == 6
    assert stop == "end_turn"
    assert usage["outputTokens"] == 6


def test_passthrough_without_key_is_refused(gateway: Gateway) -> None:
    c = client(gateway)
    with pytest.raises(Exception) as e:
        c.converse(modelId="claude-haiku-4-5", messages=MESSAGES, inferenceConfig={"maxTokens": 16})
    assert "401" in str(e.value) or "400" in str(e.value) or "auth" in str(e.value).lower()


# Real Bedrock ids (what boto3 code written for Bedrock and Claude Code's Bedrock mode send): every profile the
# catalogue's models are offered through, the base id, and the gateway's names. All are served by the catalogue's
# own deployment (global. here), so a client naming a geo profile never pays more than the deployment's profile.
REAL_IDS = [
    "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
    "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "us.anthropic.claude-opus-5-5",
    "claude-haiku-4-5",
]


@pytest.mark.parametrize("model_id", REAL_IDS)
def test_converse_with_real_bedrock_ids(gateway: Gateway, model_id: str, emulator_url: str) -> None:
    import httpx

    httpx.delete(f"{emulator_url}/emulator/received").raise_for_status()
    c = client(gateway, header_key=gateway.master_key)
    r = c.converse(modelId=model_id, messages=MESSAGES, inferenceConfig={"maxTokens": 64})
    assert r["stopReason"] == "end_turn" and r["usage"]["outputTokens"] > 0
    received = httpx.get(f"{emulator_url}/emulator/received").json()
    assert received and all(x["model"].startswith("global.") for x in received), received


@pytest.mark.parametrize("model_id", ["us.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-sonnet-4-5"])
def test_invoke_model_and_its_stream(gateway: Gateway, model_id: str) -> None:
    import json

    c = client(gateway, gateway.master_key)
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hello from boto3 [emulator output_tokens=6]"}],
    }
    r = c.invoke_model(modelId=model_id, body=json.dumps(body), contentType="application/json")
    answer = json.loads(r["body"].read())
    assert answer["type"] == "message" and answer["usage"]["output_tokens"] == 6
    stream = c.invoke_model_with_response_stream(modelId=model_id, body=json.dumps(body))
    events = [json.loads(e["chunk"]["bytes"]) for e in stream["body"] if "chunk" in e]
    assert events[0]["type"] == "message_start" and events[-1]["type"] == "message_stop"
    text = "".join(e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta")
    assert len(text.split()) == 6


def test_converse_stream_with_a_real_id(gateway: Gateway) -> None:
    c = client(gateway, header_key=gateway.master_key)
    r = c.converse_stream(modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0", messages=MESSAGES,
                          inferenceConfig={"maxTokens": 64})  # fmt: skip
    stop = None
    for event in r["stream"]:
        stop = event.get("messageStop", {}).get("stopReason", stop)
    assert stop == "end_turn"


def test_real_ids_are_marked_undiscoverable() -> None:
    """LiteLLM 1.106.2 lists a deployment with model_info.discoverable false only to admin views
    (litellm/proxy/common_utils/discoverable_model_filter.py): users' keys list each model once; the master key
    (the keyless local stack) sees the Bedrock ids too, which Claude Code's discovery ignores (ids not "claude*")."""
    import yaml

    from llmgw.paths import CONFIG

    entries = yaml.safe_load(CONFIG.read_text())["model_list"]
    hidden = [e["model_name"] for e in entries if e["model_info"].get("discoverable") is False]
    assert "us.anthropic.claude-haiku-4-5-20251001-v1:0" in hidden and not [h for h in hidden if h.startswith("claude")]


@pytest.mark.xfail(
    reason="LiteLLM answers pass-through errors as {'error': {...}}, which botocore reads as an empty "
    "message (Bedrock sends {'message'} + x-amzn-ErrorType); not reshaped yet",
    strict=True,
)
def test_an_unknown_model_id_is_refused_in_bedrocks_shape(gateway: Gateway) -> None:
    import botocore.exceptions

    c = client(gateway, header_key=gateway.master_key)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.converse(modelId="us.anthropic.claude-imaginary-9", messages=MESSAGES, inferenceConfig={"maxTokens": 8})
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 404)
    assert e.value.response["Error"]["Message"]
