"""What one request contributes to the metrics, read from what LiteLLM hands the callback.

Success: ``kwargs["standard_logging_object"]`` (a ``litellm.types.utils.StandardLoggingPayload``) plus the
proxy's request metadata in ``kwargs["litellm_params"]``. Failure: the proxy's ``request_data``, the
exception and the caller's ``UserAPIKeyAuth`` given to ``async_post_call_failure_hook``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

from . import outcomes, pricing
from .labels import normalise, resolve_cost_center, served_model_id

_METADATA_FIELDS = ("metadata", "litellm_metadata")  # chat routes use the first, /v1/messages the second


@dataclass(frozen=True, slots=True)
class TokenCounts:
    input: int  # prompt tokens that were neither read from nor written to the prompt cache
    output: int
    cache_read: int
    cache_write: int
    cache_write_1h: int = 0  # the part of cache_write written with a one-hour TTL (priced apart, not a token type)

    def by_type(self) -> dict[str, int]:
        return {
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
        }


@dataclass(frozen=True, slots=True)
class BudgetObservation:
    scope: str  # "user" or "key"
    name: str
    ratio: float


@dataclass(frozen=True, slots=True)
class SuccessRecord:
    model_group: str
    model: str
    team: str
    user: str
    key_alias: str
    cost_center: str
    cost_usd: float
    tokens: TokenCounts
    cache_savings_usd: float
    cache_write_usd: float
    budgets: tuple[BudgetObservation, ...]
    call_id: str | None


@dataclass(frozen=True, slots=True)
class FailureRecord:
    model_group: str
    team: str
    user: str
    outcome: str
    exception_class: str
    call_id: str | None


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _first_int(*values: object) -> int:
    for value in values:
        found = _int(value)
        if found is not None:
            return max(found, 0)
    return 0


def token_counts(slp: Mapping[str, object]) -> TokenCounts:
    """Token counts by type. LiteLLM's ``prompt_tokens`` already includes cache reads and writes (Bedrock
    and Anthropic report them apart; LiteLLM adds them up), so ``input`` is what remains after both."""
    usage = _mapping(_mapping(slp.get("metadata")).get("usage_object")) or _mapping(
        _mapping(slp.get("hidden_params")).get("usage_object")
    )
    details = _mapping(usage.get("prompt_tokens_details"))
    cache_read = _first_int(usage.get("cache_read_input_tokens"), details.get("cached_tokens"))
    cache_write = _first_int(
        usage.get("cache_creation_input_tokens"),
        details.get("cache_creation_tokens"),
        details.get("cache_write_tokens"),
    )
    creation = _mapping(details.get("cache_creation_token_details")) or _mapping(usage.get("cache_creation"))
    one_hour = min(_first_int(creation.get("ephemeral_1h_input_tokens")), cache_write)
    prompt = _first_int(slp.get("prompt_tokens"), usage.get("prompt_tokens"))
    output = _first_int(slp.get("completion_tokens"), usage.get("completion_tokens"))
    return TokenCounts(
        input=max(prompt - cache_read - cache_write, 0),
        output=output,
        cache_read=cache_read,
        cache_write=cache_write,
        cache_write_1h=one_hour,
    )


def _request_metadata(container: Mapping[str, object]) -> list[Mapping[str, object]]:
    return [m for m in (_mapping(container.get(name)) for name in _METADATA_FIELDS) if m]


def _from_any(metadatas: list[Mapping[str, object]], key: str) -> object:
    for metadata in metadatas:
        value = metadata.get(key)
        if value is not None:
            return value
    return None


def _budgets(slp_metadata: Mapping[str, object], cost: float) -> tuple[BudgetObservation, ...]:
    """Spend / max budget after this request (spend as of authentication + this request's cost)."""
    found: list[BudgetObservation] = []
    for scope, name_key, spend_key, max_key in (
        ("key", "user_api_key_alias", "user_api_key_spend", "user_api_key_max_budget"),
        ("user", "user_api_key_user_id", "user_api_key_user_spend", "user_api_key_user_max_budget"),
    ):
        name = normalise(slp_metadata.get(name_key))
        max_budget = _float(slp_metadata.get(max_key))
        if not name or max_budget is None or max_budget <= 0:
            continue
        spend = _float(slp_metadata.get(spend_key)) or 0.0
        found.append(BudgetObservation(scope=scope, name=name, ratio=max(spend + cost, 0.0) / max_budget))
    return tuple(found)


def success_record(kwargs: object) -> SuccessRecord:
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"success event kwargs is a {type(kwargs).__name__}, not a mapping")
    slp = kwargs.get("standard_logging_object")
    if not isinstance(slp, Mapping):
        raise TypeError(f"standard_logging_object missing from the success event ({type(slp).__name__})")
    metadata = _mapping(slp.get("metadata"))
    request_metadata = _request_metadata(_mapping(kwargs.get("litellm_params")))
    model = served_model_id(
        slp.get("model") or _mapping(slp.get("hidden_params")).get("litellm_model_name"), slp.get("custom_llm_provider")
    )
    cost = _float(slp.get("response_cost"))
    cost = cost if cost is not None and cost > 0 else 0.0
    tokens = token_counts(slp)
    if slp.get("cache_hit") is True:  # answered from LiteLLM's response cache: Bedrock processed nothing
        tokens = TokenCounts(0, 0, 0, 0)
    savings = writes = 0.0
    if tokens.cache_read or tokens.cache_write:
        entry = pricing.price_entry(slp.get("model_map_information"), model)
        prompt = tokens.input + tokens.cache_read + tokens.cache_write
        savings = pricing.cache_savings_usd(tokens.cache_read, prompt, entry)
        five_min = tokens.cache_write - tokens.cache_write_1h
        writes = pricing.cache_write_cost_usd(five_min, tokens.cache_write_1h, prompt, entry)
    return SuccessRecord(
        model_group=configured_model_group(slp.get("model_group")),  # a dated alias counts as its group
        model=model,
        team=normalise(metadata.get("user_api_key_team_id")),
        user=normalise(metadata.get("user_api_key_user_id")),
        key_alias=normalise(metadata.get("user_api_key_alias")),
        cost_center=resolve_cost_center(
            [_from_any(request_metadata, "user_api_key_metadata"), metadata.get("user_api_key_auth_metadata")],
            _from_any(request_metadata, "user_api_key_team_metadata"),
        ),
        cost_usd=cost,
        tokens=tokens,
        cache_savings_usd=savings,
        cache_write_usd=writes,
        budgets=_budgets(metadata, cost),
        call_id=_call_id(kwargs.get("litellm_call_id"), slp.get("litellm_call_id")),
    )


def _call_id(*candidates: object) -> str | None:
    for value in candidates:
        if isinstance(value, str) and value:
            return value
    return None


def _proxy_router() -> object | None:
    module = sys.modules.get("litellm.proxy.proxy_server")
    return getattr(module, "llm_router", None) if module is not None else None


def configured_model_group(requested: object) -> str:
    """The configured model group a requested name resolves to (aliases included), ``""`` if it names none.

    A failed request may carry any model name a client typed; only configured names become label values.
    Outside the proxy (no router loaded) the name itself is used."""
    name = requested if isinstance(requested, str) else ""
    router = _proxy_router()
    if router is None:
        return normalise(name, lowercase=True)
    groups = getattr(router, "model_names", None) or ()
    if name in groups:
        return normalise(name, lowercase=True)
    alias = _mapping(getattr(router, "model_group_alias", None)).get(name)
    if isinstance(alias, Mapping):
        alias = alias.get("model")
    if isinstance(alias, str) and alias in groups:
        return normalise(alias, lowercase=True)
    return ""


def failure_record(
    request_data: Mapping[str, object], exception: BaseException, user_api_key_dict: object
) -> FailureRecord:
    # The proxy adds proxy_server_request once authentication passed; without it the request was rejected there.
    during_authentication = "proxy_server_request" not in request_data
    outcome, exception_class = outcomes.classify(exception, during_authentication=during_authentication)
    # metadata.model_group is the group the router picked, or (for rejections before routing) whatever the client
    # asked for: either way only a configured name becomes a label value
    routed_group = _from_any(_request_metadata(request_data), "model_group")
    requested = routed_group if isinstance(routed_group, str) and routed_group else request_data.get("model")
    model_group = configured_model_group(requested)
    return FailureRecord(
        model_group=model_group,
        team=normalise(getattr(user_api_key_dict, "team_id", None)),
        user=normalise(getattr(user_api_key_dict, "user_id", None)),
        outcome=outcome,
        exception_class=exception_class,
        call_id=_call_id(request_data.get("litellm_call_id")),
    )
