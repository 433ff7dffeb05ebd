"""What the gateway forwards to Bedrock, pinned through the real gateway against the strict emulator: the route
/v1/messages takes (InvokeModel), every ``anthropic-beta`` value Claude Code sends with the body field that goes
with it (together or neither: the emulator refuses half a pair with Bedrock's 400), error bodies, streaming,
start-up probes, models and fallbacks for every name a client may send."""

from __future__ import annotations

import time

import anthropic
import httpx
import pytest

from llmgw import catalogue
from support.stack import Gateway

pytestmark = pytest.mark.timeout(120)

CATALOGUE = catalogue.load()
MODELS = {model.name: model for model in CATALOGUE.models}


def profile(name: str) -> str:
    return CATALOGUE.profile_id(MODELS[name])


READ = {
    "name": "Read",
    "description": "Read a file",
    "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]},
}


@pytest.fixture
def upstream(emulator_url: str):
    with httpx.Client(base_url=emulator_url, timeout=10) as client:
        for path in ("/emulator/received", "/emulator/faults", "/emulator/requests"):
            client.delete(path).raise_for_status()
        yield client
        client.delete("/emulator/faults").raise_for_status()


def last_received(upstream: httpx.Client) -> dict:
    received = upstream.get("/emulator/received").raise_for_status().json()
    assert received, "nothing reached the emulator"
    return received[-1]


def send(gateway: Gateway, betas: list[str], **body: object) -> httpx.Response:
    payload = {"model": "claude-opus-5-5", "max_tokens": 300, "messages": [{"role": "user", "content": "hi"}], **body}
    headers = {"x-api-key": gateway.master_key, "anthropic-version": "2023-06-01"}
    if betas:
        headers["anthropic-beta"] = ",".join(betas)
    with httpx.Client(base_url=gateway.url, timeout=60) as client:
        return client.post("/v1/messages?beta=true", json=payload, headers=headers)


# (client betas, request fields) -> (betas that must reach Bedrock, betas that must not, field checks)
PAIRS = [
    pytest.param(
        ["context-management-2025-06-27"],
        {"context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}},
        {"context-management-2025-06-27"}, set(),
        lambda b: b["context_management"]["edits"][0]["type"] == "clear_tool_uses_20250919",
        id="context-management with a Bedrock edit: both",
    ),
    pytest.param(
        ["context-management-2025-06-27"],
        {"context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]}},
        set(), set(), lambda b: "context_management" not in b,
        id="context-management with Claude Code's clear_thinking edit: the field is removed",
    ),
    pytest.param(
        ["advanced-tool-use-2025-11-20"],
        {"tools": [READ, {**READ, "name": "Later", "defer_loading": True}]},
        {"tool-search-tool-2025-10-19"}, {"advanced-tool-use-2025-11-20"},
        lambda b: b["tools"][1]["defer_loading"] is True,
        id="advanced-tool-use becomes Bedrock's tool-search beta, with defer_loading",
    ),
    pytest.param(
        ["fine-grained-tool-streaming-2025-05-14"],
        {"tools": [{**READ, "eager_input_streaming": True}]},
        set(), set(),
        lambda b: all(
            "eager_input_streaming" not in t or "fine-grained-tool-streaming-2025-05-14" in b.get("anthropic_beta", [])
            for t in b["tools"]
        ),
        id="fine-grained tool streaming: never the field without the beta",
    ),
    pytest.param(
        ["interleaved-thinking-2025-05-14", "claude-code-20250219"],
        {"thinking": {"type": "adaptive"}},
        set(), {"interleaved-thinking-2025-05-14", "claude-code-20250219"},
        lambda b: b["thinking"]["type"] == "adaptive",
        id="interleaved-thinking and claude-code: dropped, they need no field",
    ),
    pytest.param(
        ["per-turn-control-2026-07-01"],
        {"messages": [
            {"role": "user", "content": "a"},
            {"role": "system", "content": [{"type": "text", "text": "b"}], "output_config": {"effort": "low"}},
            {"role": "user", "content": "c"},
        ]},
        {"mid-conversation-output-config-2026-07-01"}, {"per-turn-control-2026-07-01"},
        lambda b: b["messages"][1]["output_config"] == {"effort": "low"},
        id="per-turn control becomes Bedrock's mid-conversation-output-config, with the turn's output_config",
    ),
    pytest.param(
        ["thinking-display-updates-2026-08-18"],
        {"thinking": {"type": "adaptive", "display": "updates"}},
        {"thinking-display-updates-2026-08-18"}, set(), lambda b: b["thinking"]["display"] == "updates",
        id="thinking display updates: both",
    ),
    pytest.param(
        ["effort-2025-11-24"], {"output_config": {"effort": "low"}},
        set(), set(), lambda b: b["output_config"] == {"effort": "low"},
        id="effort on Opus 5.5: the GA field, the beta optional",
    ),
    pytest.param(
        ["context-1m-2025-08-07", "thinking-token-count-2026-05-13"], {},
        {"context-1m-2025-08-07"}, {"thinking-token-count-2026-05-13"}, lambda b: True,
        id="betas without a field: Bedrock's kept, the others dropped",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("betas", "fields", "present", "absent", "check"), PAIRS)
def test_each_beta_and_its_field_arrive_together_or_not_at_all(
    gateway: Gateway, upstream, betas, fields, present, absent, check
) -> None:
    response = send(gateway, betas, **fields)
    assert response.status_code == 200, response.text
    received = last_received(upstream)
    assert received["operation"] == "invoke" and received["model"] == profile("claude-opus-5-5")
    body = received["body"]
    sent_betas = set(body.get("anthropic_beta", []))
    assert present <= sent_betas and not (absent & sent_betas), sent_betas
    assert check(body)


def test_claude_codes_request_shape_reaches_bedrock_intact(gateway: Gateway, upstream) -> None:
    """The body Claude Code 2.1.330 sends (captured from the CLI): system blocks with cache_control, a
    mid-conversation system turn with its own output_config, adaptive thinking without display, deferred tools."""
    betas = [
        "claude-code-20250219", "interleaved-thinking-2025-05-14", "context-management-2025-06-27",
        "per-turn-control-2026-07-01", "mid-conversation-tool-changes-2026-07-01", "thinking-token-count-2026-05-13",
        "advanced-tool-use-2025-11-20", "effort-2025-11-24",
    ]  # fmt: skip
    response = send(
        gateway,
        betas,
        max_tokens=128000,
        stream=True,
        system=[
            {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.330;"},
            {"type": "text", "text": "You are a Claude agent.", "cache_control": {"type": "ephemeral"}},
        ],
        messages=[
            {"role": "user", "content": [{"type": "text", "text": "Reply with one word."}]},
            {"role": "system",
             "content": [{"type": "text", "text": "# Environment", "cache_control": {"type": "ephemeral"}}],
             "output_config": {"effort": "medium"}},
        ],
        tools=[READ, {**READ, "name": "Deferred", "defer_loading": True}],
        metadata={"user_id": '{"session_id":"s"}'},
        thinking={"type": "adaptive", "display": "omitted"},
        context_management={"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        output_config={"effort": "medium"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert "event: message_stop" in response.text
    body = last_received(upstream)["body"]
    assert body["messages"][1]["role"] == "system"
    assert body["thinking"] == {"type": "adaptive", "display": "omitted"}
    assert all("billing-header" not in block["text"] for block in body["system"])


def test_bedrock_errors_reach_the_client_in_anthropics_shape_without_fallback_advice(
    gateway: Gateway, upstream
) -> None:
    response = send(
        gateway,
        [],
        max_tokens=100,
        messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Sure,"}],
    )
    assert response.status_code == 400
    error = response.json()
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"
    # Bedrock's message as Bedrock wrote it: no "litellm.BadRequestError: BedrockException - " in front, no
    # fallback advice (LiteLLM 1.106.2 ignores the failure hook's answer on /v1/messages: policy.py fixes the
    # exception's message in place).
    assert error["error"]["message"] == (
        "This model does not support assistant message prefill. The conversation must end with a user message."
    )


def test_a_client_error_is_never_answered_by_a_fallback_model(gateway: Gateway, upstream) -> None:
    """Opus 5.5 refuses a forced tool (it always thinks); Haiku 5.5, down its fallback chain, would accept it.
    The client must get Opus's 400, not a Haiku answer."""
    response = send(gateway, [], tools=[READ], tool_choice={"type": "any"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"] == "Thinking may not be enabled when tool_choice forces tool use."
    served = upstream.get("/emulator/requests").raise_for_status().json()["served_by_model"]
    assert served == {}


def test_streams_are_not_buffered(gateway: Gateway, upstream) -> None:
    claude = anthropic.Anthropic(base_url=gateway.url, api_key=gateway.master_key, max_retries=0, timeout=60)
    started = time.monotonic()
    first = None
    with claude.messages.stream(
        model="claude-haiku-5-5",
        max_tokens=500,
        messages=[{"role": "user", "content": "[emulator output_tokens=30 tps=15] count slowly"}],
    ) as stream:
        for text in stream.text_stream:
            if first is None and text.strip():
                first = time.monotonic() - started
    total = time.monotonic() - started
    assert total > 1.8  # 30 tokens at 15 per second
    assert first is not None and first < total / 2


def test_startup_probe_is_answered_quickly(gateway: Gateway) -> None:
    with httpx.Client(base_url=gateway.url, timeout=5) as client:
        started = time.monotonic()
        response = client.head("/")
    assert response.status_code == 200 and time.monotonic() - started < 1.0


def test_models_answer_claude_codes_discovery(gateway: Gateway) -> None:
    with httpx.Client(base_url=gateway.url, timeout=10, follow_redirects=False) as client:
        response = client.get(
            "/v1/models?limit=1000",
            headers={"Authorization": f"Bearer {gateway.master_key}", "anthropic-version": "2023-06-01"},
        )
    assert response.status_code == 200
    ids = [model["id"] for model in response.json()["data"]]
    assert sorted(ids) == sorted(CATALOGUE.names())
    assert all(model_id.startswith("claude") for model_id in ids)


@pytest.mark.parametrize(
    "name", [name for model in CATALOGUE.models if model.fallbacks for name in (model.name, *model.aliases)]
)
def test_every_name_a_client_sends_falls_back_when_bedrock_throttles(gateway: Gateway, upstream, name: str) -> None:
    group = CATALOGUE.alias_map().get(name, name)
    upstream.put("/emulator/faults", json=[{"fault": "throttle", "model": profile(group)}]).raise_for_status()
    claude = anthropic.Anthropic(base_url=gateway.url, api_key=gateway.master_key, max_retries=0, timeout=60)
    answer = claude.messages.create(model=name, max_tokens=200, messages=[{"role": "user", "content": "hi"}])
    assert answer.content
    served = upstream.get("/emulator/requests").raise_for_status().json()["served_by_model"]
    assert list(served) == [profile(MODELS[group].fallbacks[0])]
