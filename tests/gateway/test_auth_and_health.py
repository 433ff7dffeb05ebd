"""Health, model listing, authentication (incl. a custom key header) and the /metrics endpoint decisions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from llmgw import catalogue
from support.stack import CONFIG, Gateway, run_gateway

CHAT = {"model": "claude-haiku-4-5", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
CUSTOM_HEADER = "X-Gateway-Key"


def test_liveliness_needs_no_key(http: httpx.Client) -> None:
    r = http.get("/health/liveliness")
    assert r.status_code == 200


def test_models_lists_every_model_group_once(http: httpx.Client, gateway: Gateway) -> None:
    """Each catalogue model once; the dated aliases resolve (tests/gateway/test_forwarding.py) but stay hidden."""
    r = http.get("/v1/models", headers=gateway.auth)
    assert r.status_code == 200
    ids = [m["id"] for m in r.json()["data"]]
    config = yaml.safe_load(CONFIG.read_text())
    # the hidden entries of real Bedrock ids (for the /bedrock pass-through) stay out of the listing, also for
    # the master key (llmgw_callbacks.listing)
    groups = [m["model_name"] for m in config["model_list"] if m["model_info"].get("discoverable") is not False]
    assert sorted(groups) == sorted(catalogue.load().names())
    assert sorted(ids) == sorted(groups)
    assert all(alias["hidden"] for alias in config["router_settings"]["model_group_alias"].values())


def test_missing_key_is_401(http: httpx.Client) -> None:
    r = http.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 401
    r = http.post("/v1/messages", json=CHAT)
    assert r.status_code == 401


def test_wrong_key_is_401_also_without_a_database(http: httpx.Client) -> None:
    """LiteLLM alone answers 400 "No connected db." for any key but the master key when it runs without a database
    (make up); the policy callback makes it what it is, 401, on the LLM routes Claude Code and the SDKs use: a 401
    is what makes Claude Code re-run its apiKeyHelper (tests/claude_code, test h)."""
    for path, body in (("/v1/chat/completions", CHAT), ("/v1/messages", CHAT), ("/v1/messages/count_tokens", CHAT)):
        for header in ({"Authorization": "Bearer sk-not-a-real-key"}, {"x-api-key": "sk-not-a-real-key"}):
            r = http.post(path, json=body, headers=header)
            assert r.status_code == 401, (path, header, r.text)
            assert "invalid API key" in r.json()["error"]["message"]


def test_x_api_key_header_is_accepted(http: httpx.Client, gateway: Gateway) -> None:
    """Claude Code with ANTHROPIC_API_KEY and the Anthropic SDKs send the raw key as x-api-key."""
    for path in ("/v1/messages", "/v1/chat/completions"):
        r = http.post(path, json=CHAT, headers={"x-api-key": gateway.master_key})
        assert r.status_code == 200, r.text


def test_metrics_require_a_key(http: httpx.Client, gateway: Gateway) -> None:
    assert http.get("/metrics/").status_code == 401
    assert http.get("/metrics").status_code in (307, 401)
    r = http.get("/metrics/", headers=gateway.auth)
    assert r.status_code == 200
    assert "litellm_" in r.text
    # /metrics redirects to /metrics/: scrapers must use /metrics/ (or follow the redirect).
    r = http.get("/metrics", headers=gateway.auth)
    assert r.status_code in (200, 307)
    if r.status_code == 307:
        assert r.headers["location"].endswith("/metrics/")


@pytest.fixture(scope="module")
def custom_header_gateway(run_dir: Path, emulator_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The same config with general_settings.litellm_key_header_name set (the documented trade-off)."""
    config = yaml.safe_load(CONFIG.read_text())
    config["general_settings"]["litellm_key_header_name"] = CUSTOM_HEADER
    path = tmp_path_factory.mktemp("custom-header") / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    with run_gateway(run_dir, emulator_url, config=path) as gw:
        yield gw


def test_custom_key_header(custom_header_gateway: Gateway) -> None:
    gw = custom_header_gateway
    with httpx.Client(base_url=gw.url, timeout=60) as client:
        ok = client.post("/v1/chat/completions", json=CHAT, headers={CUSTOM_HEADER: f"Bearer {gw.master_key}"})
        assert ok.status_code == 200, ok.text
        # The trade-off: once a custom header is configured, the standard headers are no longer read.
        r = client.post("/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {gw.master_key}"})
        assert r.status_code == 401
        r = client.post("/v1/messages", json=CHAT, headers={"x-api-key": gw.master_key})
        assert r.status_code == 401
