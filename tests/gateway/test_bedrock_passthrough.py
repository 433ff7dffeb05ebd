"""Bedrock-native clients: boto3's bedrock-runtime client through the gateway's /bedrock pass-through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions
import pytest

from gateway import passthrough_auth
from support.stack import Gateway, run_gateway

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


# -- errors in Bedrock's shape (callbacks/llmgw_callbacks/bedrock_errors.py) --------------------------------------
# boto3 reads the code from x-amzn-ErrorType or a "code" member and the message from the top-level "message": what
# Bedrock sends. LiteLLM's own {"error": {...}} read as code "400" with an empty message.


INVALID_MODEL = "The provided model identifier is invalid."  # Bedrock's wording


def refused(call) -> botocore.exceptions.ClientError:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value


@pytest.mark.parametrize("operation", ["converse", "converse_stream", "invoke_model"])
def test_an_unknown_model_id_is_refused_in_bedrocks_shape(gateway: Gateway, operation: str) -> None:
    import json

    c = client(gateway, header_key=gateway.master_key)
    model = "us.anthropic.claude-imaginary-9"
    calls = {
        "converse": lambda: c.converse(modelId=model, messages=MESSAGES, inferenceConfig={"maxTokens": 8}),
        "converse_stream": lambda: c.converse_stream(modelId=model, messages=MESSAGES),
        "invoke_model": lambda: c.invoke_model(modelId=model, body=json.dumps({"messages": []})),
    }
    error = refused(calls[operation])
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"] == {"Code": "ValidationException", "Message": INVALID_MODEL}
    assert isinstance(error, c.exceptions.ValidationException)  # the modeled class, as Bedrock's own answer raises
    if operation == "converse":  # the gateway client's before-parse hook leaves a Bedrock-shaped error as it is
        from llmgw.login.bedrock import bedrock_client

        ours = bedrock_client(gateway.url, gateway.master_key)
        again = refused(lambda: ours.converse(modelId=model, messages=MESSAGES, inferenceConfig={"maxTokens": 8}))
        assert again.response["Error"] == error.response["Error"]


@pytest.mark.parametrize(
    ("fault", "status", "code", "message"),
    [
        ("throttle", 429, "ThrottlingException", "Too many requests, please wait before trying again."),
        ("validation", 400, "ValidationException", "Malformed input request: #: emulator fault=validation"),
        ("unavailable", 503, "ServiceUnavailableException", "Bedrock is unable to process your request."),
        ("timeout", 408, "ModelTimeoutException", "Model has timed out in processing the request."),
    ],
)
def test_an_upstream_error_passes_through_as_bedrock_sent_it(
    gateway: Gateway, fault: str, status: int, code: str, message: str
) -> None:
    c = client(gateway, header_key=gateway.master_key)
    messages = [{"role": "user", "content": [{"text": f"Hello [emulator fault={fault}]"}]}]
    error = refused(lambda: c.converse(modelId="claude-haiku-4-5", messages=messages, inferenceConfig={"maxTokens": 8}))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error.response["Error"]["Code"] == code
    assert error.response["Error"]["Message"].startswith(message), error.response["Error"]


def test_an_upstream_error_before_a_stream_is_bedrocks(gateway: Gateway) -> None:
    c = client(gateway, header_key=gateway.master_key)
    messages = [{"role": "user", "content": [{"text": "Hello [emulator fault=throttle]"}]}]
    error = refused(lambda: c.converse_stream(modelId="us.anthropic.claude-haiku-4-5-20251001-v1:0", messages=messages))
    assert isinstance(error, c.exceptions.ThrottlingException)
    assert error.response["Error"]["Message"] == "Too many requests, please wait before trying again."


@pytest.fixture(scope="module")
def keyed_gateway(run_dir: Path, emulator_url: str) -> Iterator[Gateway]:
    """A gateway whose keys carry an rpm limit / a spent budget (tests/gateway/passthrough_auth.py)."""
    import shutil

    import yaml

    from llmgw.paths import CONFIG

    directory = run_dir / "passthrough-keys-gateway"
    directory.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load(CONFIG.read_text())
    config["general_settings"]["custom_auth"] = "passthrough_auth.user_api_key_auth"
    (directory / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy(Path(__file__).with_name("passthrough_auth.py"), directory / "passthrough_auth.py")
    with run_gateway(run_dir, emulator_url, config=directory / "config.yaml") as gw:
        yield gw


def test_a_rate_limited_key_gets_a_throttling_exception(keyed_gateway: Gateway) -> None:
    c = client(keyed_gateway, header_key=passthrough_auth.LIMITED_KEY)
    errors = []
    for _ in range(passthrough_auth.RPM_LIMIT + 2):
        try:
            c.converse(modelId="claude-haiku-4-5", messages=MESSAGES, inferenceConfig={"maxTokens": 8})
        except botocore.exceptions.ClientError as e:
            errors.append(e)
    assert errors, "the rpm limit did not refuse"
    error = errors[-1]
    assert isinstance(error, c.exceptions.ThrottlingException), error.response
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert "rate limit" in error.response["Error"]["Message"].lower(), error.response["Error"]


# The authentication step's errors (no key, an unknown key, a spent budget) are the ones LiteLLM 1.106.2 lets no
# hook reshape (auth_exception_handler rebuilds whatever the hook returns into {"error": {...}}): boto3 alone reads
# code "401"/"429" and no message. llmgw.login.bedrock's client (docs/identity.md) reads them as Bedrock's.
AUTH_CASES = [
    ("no key", None, 401, "AccessDeniedException", "Authentication Error"),
    ("unknown key", "sk-unknown-0123456789abcdefghijklmnopqrstuv", 401, "AccessDeniedException", "invalid key"),
    ("spent budget", passthrough_auth.BROKE_KEY, 429, "ThrottlingException", "Budget exceeded: the budget ($5.00)"),
]


@pytest.mark.parametrize(("case", "key", "status", "code", "message"), AUTH_CASES, ids=[c[0] for c in AUTH_CASES])
def test_authentication_errors_are_pinned_and_read_by_the_gateway_client(
    keyed_gateway: Gateway, case: str, key: str | None, status: int, code: str, message: str
) -> None:
    from llmgw.login.bedrock import bedrock_client

    plain = client(keyed_gateway, header_key=key)
    call = {"modelId": "claude-haiku-4-5", "messages": MESSAGES, "inferenceConfig": {"maxTokens": 8}}
    error = refused(lambda: plain.converse(**call))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error.response["Error"] == {"Code": str(status), "Message": ""}, "LiteLLM now shapes auth errors: see docs"

    ours = bedrock_client(keyed_gateway.url, key or "", config=botocore.config.Config(retries={"max_attempts": 1}))
    error = refused(lambda: ours.converse(**call))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error.response["Error"]["Code"] == code
    assert message in error.response["Error"]["Message"], error.response["Error"]
