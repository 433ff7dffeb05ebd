"""The policy callback's list of request fields a client may not set (end to end through the real gateway:
tests/gateway/test_upstream_controls.py), and the fact the service-tier refusal rests on."""

from __future__ import annotations

import litellm
import pytest
import yaml

from llmgw import catalogue
from llmgw.paths import CONFIG
from llmgw_callbacks import upstream_controls


def test_a_default_tier_is_removed_and_anything_else_refused() -> None:
    body = {"model": "m", "messages": [], "service_tier": "auto"}
    upstream_controls.apply(body)
    assert "service_tier" not in body
    with pytest.raises(upstream_controls.Refused, match="'service_tier' is not accepted by this gateway"):
        upstream_controls.apply({"service_tier": "priority"})
    with pytest.raises(upstream_controls.Refused, match="'extra_headers'"):
        upstream_controls.apply({"extra_headers": {}})


def test_a_conversation_passes_untouched() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "metadata": {"a": 1}}
    before = dict(body)
    upstream_controls.apply(body)
    assert body == before


def test_litellms_own_blocklist_does_not_already_cover_them() -> None:
    """The fields refused here pass LiteLLM's own request-body check (else this list would be dead code)."""
    from litellm.proxy.auth.auth_utils import _BANNED_REQUEST_BODY_PARAMS

    assert not set(upstream_controls.REFUSED) & set(_BANNED_REQUEST_BODY_PARAMS)


def _priced_tiers() -> dict[str, list[str]]:
    cat = catalogue.load()
    priced = {}
    for model in cat.models:
        entry = litellm.model_cost[cat.profile_id(model)]
        tiered = sorted(k for k, v in entry.items() if k.endswith(("_priority", "_flex")) and v is not None)
        if tiered:
            priced[model.name] = tiered
    return priced


def test_no_model_of_the_catalogue_has_a_priced_priority_or_flex_tier() -> None:
    """The refusal of service tiers rests on this: LiteLLM's cost map prices no tier but the default for any model
    the gateway serves. The day it prices one, this fails, and the catalogue can offer that tier as a model
    setting (with its price) instead of refusing it."""
    assert _priced_tiers() == {}


def test_the_fact_holds_after_the_router_registers_the_deployments() -> None:
    """The proxy builds a Router at startup, and the Router registers every deployment's model info into
    ``litellm.model_cost``, adding each tier key with the value None. Those keys carry no price. (The first
    version of the test above counted keys, not prices, and failed in CI whenever a Router had been built
    earlier in the same process.)"""
    litellm.Router(model_list=yaml.safe_load(CONFIG.read_text())["model_list"])
    cat = catalogue.load()
    entry = litellm.model_cost[cat.profile_id(cat.models[0])]
    assert "input_cost_per_token_priority" in entry and entry["input_cost_per_token_priority"] is None
    assert _priced_tiers() == {}
