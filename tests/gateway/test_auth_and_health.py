"""Health, model listing, authentication (incl. a custom key header) and the /metrics endpoint decisions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from support.stack import CONFIG, Gateway, run_gateway

CHAT = {"model": "claude-haiku-4-5", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
CUSTOM_HEADER = "X-Gateway-Key"


def test_liveliness_needs_no_key(http: httpx.Client) -> None:
    r = http.get("/health/liveliness")
    assert r.status_code == 200


def test_models_lists_every_model_group_and_alias(http: httpx.Client, gateway: Gateway) -> None:
    r = http.get("/v1/models", headers=gateway.auth)
    assert r.status_code == 200
    ids = {m["id"] for m in r.json()["data"]}
    config = yaml.safe_load(CONFIG.read_text())
    groups = {m["model_name"] for m in config["model_list"]}
    aliases = set(config["router_settings"]["model_group_alias"])
    assert groups == {"claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"}
    assert groups | aliases <= ids


def test_missing_key_is_401(http: httpx.Client) -> None:
    r = http.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 401
    r = http.post("/v1/messages", json=CHAT)
    assert r.status_code == 401


def test_wrong_key_is_refused(http: httpx.Client) -> None:
    # Without a database every key but the master key is unknown; LiteLLM answers 400 "No connected db"
    # (with a database it is 401). Either way the request never reaches Bedrock.
    r = http.post("/v1/chat/completions", json=CHAT, headers={"Authorization": "Bearer sk-not-a-real-key"})
    assert r.status_code in (400, 401)


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
