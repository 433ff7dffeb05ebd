"""Cache savings from LiteLLM's own price entries (never a hand-kept price table).

Spend itself is LiteLLM's ``response_cost``; this module only prices the counterfactual "what would the
cache-read tokens have cost as ordinary input": ``cache_read_tokens x (input price - cache read price)``
of the model that served, tier-aware (e.g. Sonnet's prices above 200k prompt tokens).

The price entry is the one LiteLLM priced the request with (``model_map_information.model_map_value`` of
the ``StandardLoggingPayload``: the pinned cost map, including the deployment's ``model_info`` overrides
when negotiated prices are configured), else ``litellm.model_cost[<served model id>]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TIER = re.compile(r"^input_cost_per_token_above_(\d+)(k?)_tokens$")


def _rate(entry: Mapping[str, object], key: str) -> float | None:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _tier_suffix(entry: Mapping[str, object], prompt_tokens: int) -> str | None:
    """The ``_above_<n>k_tokens`` suffix of the highest tier ``prompt_tokens`` exceeds, if any."""
    best: tuple[int, str] | None = None
    for key in entry:
        match = _TIER.match(key)
        if match is None or _rate(entry, key) is None:
            continue
        threshold = int(match.group(1)) * (1000 if match.group(2) else 1)
        if prompt_tokens > threshold and (best is None or threshold > best[0]):
            best = (threshold, f"_above_{match.group(1)}{match.group(2)}_tokens")
    return best[1] if best else None


def cache_read_discount_per_token(entry: Mapping[str, object], prompt_tokens: int) -> float:
    """Input price minus cache-read price per token (0 when the entry has no input price).

    A missing cache-read price means cache reads are billed as input (LiteLLM's rule), so no saving."""
    input_rate = _rate(entry, "input_cost_per_token")
    if input_rate is None:
        return 0.0
    read_rate = _rate(entry, "cache_read_input_token_cost")
    suffix = _tier_suffix(entry, prompt_tokens)
    if suffix is not None:
        input_rate = _rate(entry, f"input_cost_per_token{suffix}") or input_rate
        tier_read = _rate(entry, f"cache_read_input_token_cost{suffix}")
        read_rate = tier_read if tier_read is not None else read_rate
    if read_rate is None:
        return 0.0
    return max(input_rate - read_rate, 0.0)


def price_entry(model_map_information: object, served_model: str) -> Mapping[str, object] | None:
    """The price entry LiteLLM used for the request, else the cost-map entry of the served model id."""
    if isinstance(model_map_information, Mapping):
        value = model_map_information.get("model_map_value")
        if isinstance(value, Mapping) and _rate(value, "input_cost_per_token") is not None:
            return value
    import litellm  # the proxy has it loaded already; imported lazily to keep this module light

    candidates = [served_model]
    if isinstance(model_map_information, Mapping) and isinstance(model_map_information.get("model_map_key"), str):
        candidates.insert(0, model_map_information["model_map_key"])
    for key in candidates:
        entry = litellm.model_cost.get(key) if key else None
        if isinstance(entry, Mapping) and _rate(entry, "input_cost_per_token") is not None:
            return entry
    return None


def cache_write_cost_usd(write_5m: int, write_1h: int, prompt_tokens: int, entry: Mapping[str, object] | None) -> float:
    """What the request's prompt-cache writes cost: 5-minute writes at ``cache_creation_input_token_cost``, 1-hour
    writes at ``cache_creation_input_token_cost_above_1hr`` (the 5-minute rate when the entry has none, as LiteLLM
    prices them), each at the request's context tier when the entry has one."""
    if entry is None or (write_5m <= 0 and write_1h <= 0):
        return 0.0
    suffix = _tier_suffix(entry, prompt_tokens)
    five = _rate(entry, "cache_creation_input_token_cost") or 0.0
    hour = _rate(entry, "cache_creation_input_token_cost_above_1hr")
    if suffix is not None:
        five = _rate(entry, f"cache_creation_input_token_cost{suffix}") or five
        hour = _rate(entry, f"cache_creation_input_token_cost_above_1hr{suffix}") or hour
    return max(write_5m, 0) * five + max(write_1h, 0) * (five if hour is None else hour)


def cache_savings_usd(cache_read_tokens: int, prompt_tokens: int, entry: Mapping[str, object] | None) -> float:
    if cache_read_tokens <= 0 or entry is None:
        return 0.0
    return cache_read_tokens * cache_read_discount_per_token(entry, prompt_tokens)
