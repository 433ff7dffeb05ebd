"""Retries and fallbacks on the /bedrock pass-through (what Claude Code's Bedrock mode and boto3 clients use).

LiteLLM 1.106.2 sends a pass-through fallback to the CLIENT's path: the router rewrites the path's model segment
only when it names the model group being tried (router.py ``_add_deployment_model_to_endpoint_for_llm_passthrough_
route``), so after Opus fails, the Sonnet "fallback" posted ``/model/us.anthropic.claude-opus-5-5/invoke`` — a
profile the deployment never chose (IAM refuses it on a real account), for the model the client named, billed as
Sonnet. Seen with Claude Code 2.1.330 in Bedrock mode: an unsupported beta flag got 3 refused calls on the
deployment's profile and then 6 calls on the client's own profile id. The gateway therefore never falls back on
the pass-through (llmgw_callbacks.fallback_policy), and a client error there is not retried.
"""

from __future__ import annotations

import httpx
import pytest

from llmgw import catalogue
from support.stack import Gateway

CATALOGUE = catalogue.load()
OPUS = next(m for m in CATALOGUE.models if m.name == "claude-opus-5-5")
DEPLOYED = CATALOGUE.profile_id(OPUS)  # the profile the deployment chose (global. by default)


def invoke(gateway: Gateway, model_id: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{gateway.url}/bedrock/model/{model_id}/invoke",
        json={"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16, **body},
        headers={"x-litellm-api-key": f"Bearer {gateway.master_key}"},
        timeout=60,
    )


@pytest.fixture
def emulator(emulator_log: httpx.Client) -> httpx.Client:
    """The emulator's control API with what it received forgotten: each test sees only its own calls."""
    emulator_log.delete("/emulator/received").raise_for_status()
    return emulator_log


def upstream_paths(emulator: httpx.Client) -> list[tuple[str, int]]:
    return [(r["path"], r["status"]) for r in emulator.get("/emulator/received").raise_for_status().json()]


@pytest.mark.parametrize("sent_as", ["us.anthropic.claude-opus-5-5", DEPLOYED, "claude-opus-5-5"])
def test_a_client_error_is_one_call_on_the_deployments_profile(
    gateway: Gateway, emulator: httpx.Client, sent_as: str
) -> None:
    # Bedrock refuses a beta flag the model does not support with a 400 (emulator/bedrock_emulator/invoke.py).
    r = invoke(gateway, sent_as, {"anthropic_beta": ["no-such-beta-2099-01-01"], "messages": [
        {"role": "user", "content": "hi"}]})  # fmt: skip
    assert r.status_code == 400, r.text
    assert "invalid beta flag" in r.text
    assert upstream_paths(emulator) == [(f"/model/{DEPLOYED}/invoke", 400)]


def test_throttling_reaches_the_client_after_one_call_on_the_deployments_profile(
    gateway: Gateway, emulator: httpx.Client
) -> None:
    r = invoke(gateway, "us.anthropic.claude-opus-5-5", {"messages": [
        {"role": "user", "content": "hi [emulator fault=throttle only_model=opus]"}]})  # fmt: skip
    assert r.status_code == 429, r.text
    assert upstream_paths(emulator) == [(f"/model/{DEPLOYED}/invoke", 429)]
