"""Scripted sessions (scenario rules) and IAM enforcement, against real emulator processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.exceptions
import pytest

from bedrock_emulator import scenario
from support.stack import run_emulator

from .conftest import DEFAULT_KNOBS, Emulator, bedrock_client

pytestmark = pytest.mark.timeout(60)

HAIKU = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
READ = {
    "name": "Read",
    "description": "Read a file",
    "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]},
}
SCRIPT = {
    "rules": [
        {"when": {"user_text_contains": "summarise notes"},
         "reply": {"tool_use": {"name": "Read", "input": {"file_path": "/work/notes.txt"}}}},
        {"when": {"tool_result_of": "Read"}, "reply": {"text": "The notes say: {tool_result}"}},
    ]
}  # fmt: skip


def invoke(client, messages: list[dict], tools: list[dict] | None = None, model: str = HAIKU) -> dict:
    payload = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 500, "messages": messages}
    if tools is not None:
        payload["tools"] = tools
    return json.loads(client.invoke_model(modelId=model, body=json.dumps(payload))["body"].read())


@pytest.fixture
def scripted(emulator: Emulator) -> Iterator[Emulator]:
    status, body = emulator.call("PUT", "/emulator/scenario", SCRIPT)
    assert status == 200, body
    yield emulator
    assert emulator.call("DELETE", "/emulator/scenario")[0] == 200


def test_a_scripted_tool_round_trip(client, scripted: Emulator) -> None:
    first = invoke(client, [{"role": "user", "content": "Please summarise notes.txt"}], [READ])
    call = first["content"][0]
    assert (
        first["stop_reason"] == "tool_use"
        and call["name"] == "Read"
        and call["input"] == {"file_path": "/work/notes.txt"}
    )
    conversation = [
        {"role": "user", "content": "Please summarise notes.txt"},
        {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "buy milk"}]},
    ]
    second = invoke(client, conversation, [READ])
    assert second["stop_reason"] == "end_turn"
    assert second["content"] == [{"type": "text", "text": "The notes say: buy milk"}]
    assert second["usage"]["output_tokens"] == 5


def test_a_scripted_tool_is_not_called_when_not_offered(client, scripted: Emulator) -> None:
    answer = invoke(client, [{"role": "user", "content": "Please summarise notes.txt"}])
    assert [block["type"] for block in answer["content"]] == ["text"]


def test_unmatched_requests_are_answered_as_usual(client, scripted: Emulator) -> None:
    answer = invoke(client, [{"role": "user", "content": "Something else"}], [READ])
    assert answer["stop_reason"] == "end_turn" and answer["content"][0]["type"] == "text"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"rules": [{"when": {}, "reply": {"text": "x"}}]}, "rules[0].when must name at least one of"),
        ({"rules": [{"when": {"user_text_contains": "a"}, "reply": {"say": "x"}}]}, "rules[0].reply must be"),
        ({"steps": []}, "a scenario is an object {'rules': [...]}"),
    ],
)
def test_bad_scenarios_are_refused_with_the_reason(emulator: Emulator, spec: dict, message: str) -> None:
    status, body = emulator.call("PUT", "/emulator/scenario", spec)
    assert status == 400 and message in body["message"]


def test_scenario_files_load_and_report_problems(tmp_path: Path) -> None:
    good = tmp_path / "session.json"
    good.write_text(json.dumps(SCRIPT))
    assert scenario.load(good).to_json() == SCRIPT
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(scenario.ScenarioError, match=r"broken\.json is not valid JSON"):
        scenario.load(broken)
    with pytest.raises(scenario.ScenarioError, match="cannot read scenario file"):
        scenario.load(tmp_path / "missing.json")


# --------------------------------------------------------------------------------------------------------- IAM

ACCOUNT = "123456789012"
HAIKU_PROFILE_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{HAIKU}"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Profile", "Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": [HAIKU_PROFILE_ARN]},
        {
            "Sid": "ModelThroughProfile",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel"],
            "Resource": ["arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"],
            "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": [HAIKU_PROFILE_ARN]}},
        },
    ],
}


@pytest.fixture(scope="module")
def guarded(run_dir: Path) -> Iterator[Emulator]:
    policy = run_dir / "iam-policy.json"
    policy.write_text(json.dumps(POLICY))
    with run_emulator(run_dir, **DEFAULT_KNOBS, BEDROCK_EMULATOR_IAM_POLICY=str(policy)) as url:
        yield Emulator(url)


def denied(call) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return e.value.response["Error"]["Message"]


def test_the_policy_allows_exactly_what_it_names(guarded: Emulator) -> None:
    client = bedrock_client(guarded.url)
    assert invoke(client, [{"role": "user", "content": "hi"}])["content"]
    payload = json.dumps(
        {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    )
    assert denied(lambda: client.invoke_model(modelId=SONNET, body=payload)) == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/llm-gateway-task/emulator is not authorized to perform: "
        f"bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{SONNET} "
        "because no identity-based policy allows the bedrock:InvokeModel action"
    )
    assert "bedrock:InvokeModelWithResponseStream" in denied(
        lambda: client.invoke_model_with_response_stream(modelId=HAIKU, body=payload)
    )
    assert "bedrock:CountTokens on resource: arn:aws:bedrock:us-east-1::foundation-model/" in denied(
        lambda: client.count_tokens(
            modelId="anthropic.claude-haiku-4-5-20251001-v1:0", input={"invokeModel": {"body": payload}}
        )
    )


def test_the_region_comes_from_the_signature(guarded: Emulator) -> None:
    other = boto3.client(
        "bedrock-runtime",
        endpoint_url=guarded.url,
        region_name="eu-west-1",
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
    )
    payload = json.dumps(
        {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    )
    assert f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:inference-profile/{HAIKU}" in denied(
        lambda: other.invoke_model(modelId=HAIKU, body=payload)
    )


def test_mantle_count_tokens_needs_its_own_permission(guarded: Emulator) -> None:
    body = {"model": "anthropic.claude-opus-5-5", "messages": [{"role": "user", "content": "hi"}]}
    status, _, raw = guarded.post_raw(
        "/anthropic/v1/messages/count_tokens",
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "anthropic-version": "2023-06-01"},
    )
    error = json.loads(raw)["error"]
    assert status == 403 and error["type"] == "permission_error"
    assert (
        "bedrock-mantle:CountTokens on resource: arn:aws:bedrock-mantle:us-east-1:123456789012:project/default"
        in error["message"]
    )
