"""IAM proven offline: the emulator authorises every call the gateway makes against the ECS task role's policy,
rendered from the template Terraform renders (llmgw.bedrock_policy; the session emulator of tests/conftest.py
enforces it for the whole suite). Here: what happens when the policy lacks a permission the gateway needs,
count_tokens' ``bedrock:CountTokens`` (the gap issue 14 found: the task role had none) and bedrock-mantle's
``bedrock-mantle:CountTokens``, and a model the policy does not name.

LiteLLM 1.106.2 hides a refused count: it answers its own estimate (``litellm_count_source: local_estimate``)
with a 200. Without the permission Claude Code's context accounting is silently approximate; the tests below
(and the exact count of tests/claude_code, test d) fail on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bedrock_emulator.iam import DEFAULT_ACCOUNT
from llmgw import bedrock_policy
from llmgw.stack.procs import GATEWAY_REGION
from support.stack import Gateway, run_emulator, run_gateway

pytestmark = pytest.mark.timeout(180)

MESSAGES = [{"role": "user", "content": "how many tokens is this?"}]


def without(policy: dict, *sids: str) -> dict:
    kept = [s for s in policy["Statement"] if s.get("Sid") not in sids]
    assert len(kept) == len(policy["Statement"]) - len(sids), [s.get("Sid") for s in policy["Statement"]]
    return {**policy, "Statement": kept}


@pytest.fixture(scope="module")
def narrow(run_dir: Path) -> Iterator[tuple[Gateway, str]]:
    """A gateway whose Bedrock (the emulator) enforces the task policy without its count-tokens statements and
    without Opus 4.5 (as if the catalogue's model had been added to config.yaml but not to the role)."""
    policy = bedrock_policy.task_policy(region=GATEWAY_REGION, account_id=DEFAULT_ACCOUNT)
    policy = without(policy, "CountTokensOnConfiguredModels", "CountTokensThroughBedrockMantle")
    for statement in policy["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        statement["Resource"] = [r for r in resources if "claude-opus-4-5" not in r]
    path = run_dir / "narrow-task-policy.json"
    path.write_text(json.dumps(policy))
    with run_emulator(run_dir, BEDROCK_EMULATOR_IAM_POLICY=str(path)) as url, run_gateway(run_dir, url) as gw:
        yield gw, url


def count_calls(emulator_url: str, send) -> tuple[httpx.Response, list[dict]]:
    """The gateway's answer to ``send()`` and the count-tokens calls the emulator received meanwhile."""
    with httpx.Client(base_url=emulator_url, timeout=10) as upstream:
        upstream.delete("/emulator/received").raise_for_status()
        response = send()
        received = upstream.get("/emulator/received").raise_for_status().json()
    return response, [r for r in received if "count" in r["operation"]]


def post(gateway: Gateway, path: str, model: str, **body: object) -> httpx.Response:
    headers = {"x-api-key": gateway.master_key, "anthropic-version": "2023-06-01"}
    payload = {"model": model, "messages": MESSAGES, **body}
    return httpx.post(gateway.url + path, json=payload, headers=headers, timeout=90)


@pytest.mark.parametrize("model", ["claude-haiku-4-5", "claude-opus-5-5"], ids=["bedrock-runtime", "bedrock-mantle"])
def test_count_tokens_is_allowed_by_the_rendered_task_policy(gateway: Gateway, emulator_url: str, model: str) -> None:
    response, counted = count_calls(emulator_url, lambda: post(gateway, "/v1/messages/count_tokens", model))
    assert response.status_code == 200, response.text
    assert response.json().get("litellm_count_source") != "local_estimate", response.text
    # bedrock-runtime counts the 4.x models; for the 5.x models it answers 400 and LiteLLM asks bedrock-mantle
    assert counted and counted[-1]["status"] == 200 and all(r["status"] != 403 for r in counted), counted


@pytest.mark.parametrize("model", ["claude-haiku-4-5", "claude-opus-5-5"], ids=["bedrock-runtime", "bedrock-mantle"])
def test_without_count_tokens_in_the_role_bedrock_refuses_and_litellm_only_estimates(
    narrow: tuple[Gateway, str], model: str
) -> None:
    gateway, emulator_url = narrow
    response, counted = count_calls(emulator_url, lambda: post(gateway, "/v1/messages/count_tokens", model))
    assert response.status_code == 200, response.text
    assert response.json()["litellm_count_source"] == "local_estimate", response.text
    assert counted and all(r["status"] == 403 for r in counted), counted


def test_a_model_the_role_does_not_name_is_access_denied(narrow: tuple[Gateway, str]) -> None:
    response = post(narrow[0], "/v1/messages", "claude-opus-4-5", max_tokens=20)
    assert response.status_code == 403, response.text
    assert "is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:" in response.text
    assert "claude-opus-4-5" in response.text


def test_generation_still_works_under_the_narrow_role(narrow: tuple[Gateway, str]) -> None:
    response = post(narrow[0], "/v1/messages", "claude-haiku-4-5", max_tokens=20)
    assert response.status_code == 200, response.text
