"""Cache savings priced from LiteLLM's cost map entries (the pinned map, tiers, deployment overrides)."""

from __future__ import annotations

import litellm
import pytest

from callbacks.slp_factory import HAIKU, SONNET
from llmgw_callbacks import pricing


def test_discount_is_input_minus_cache_read_price_of_the_exact_profile() -> None:
    entry = litellm.model_cost[HAIKU]
    expected = entry["input_cost_per_token"] - entry["cache_read_input_token_cost"]
    assert pricing.cache_read_discount_per_token(entry, prompt_tokens=5000) == pytest.approx(expected, abs=1e-18)
    # a geographic profile ("us.") carries the 10 % uplift over the global one, which is the list price
    base = HAIKU.split(".", 1)[1]
    us, listed = litellm.model_cost[f"us.{base}"], litellm.model_cost[f"global.{base}"]
    assert us["input_cost_per_token"] == pytest.approx(listed["input_cost_per_token"] * 1.1, rel=1e-12)


def test_tiered_prices_apply_above_the_threshold_only() -> None:
    entry = litellm.model_cost[SONNET]
    base = entry["input_cost_per_token"] - entry["cache_read_input_token_cost"]
    tier = entry["input_cost_per_token_above_200k_tokens"] - entry["cache_read_input_token_cost_above_200k_tokens"]
    assert tier != base
    assert pricing.cache_read_discount_per_token(entry, prompt_tokens=200_000) == pytest.approx(base, abs=1e-18)
    assert pricing.cache_read_discount_per_token(entry, prompt_tokens=200_001) == pytest.approx(tier, abs=1e-18)


def test_no_cache_read_price_means_no_saving() -> None:
    assert pricing.cache_read_discount_per_token({"input_cost_per_token": 1e-6}, 10) == 0.0
    assert pricing.cache_read_discount_per_token({}, 10) == 0.0
    assert pricing.cache_savings_usd(100, 100, None) == 0.0


def test_price_entry_prefers_the_entry_litellm_priced_with() -> None:
    negotiated = {"input_cost_per_token": 2e-6, "cache_read_input_token_cost": 5e-7}
    assert pricing.price_entry({"model_map_key": "x", "model_map_value": negotiated}, HAIKU) is negotiated
    assert pricing.price_entry({"model_map_key": "x", "model_map_value": None}, HAIKU) is litellm.model_cost[HAIKU]
    assert pricing.price_entry(None, "not-a-model") is None
