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
