"""Real ``StandardLoggingPayload`` objects for unit tests, built with LiteLLM's own TypedDicts and helpers.

The payloads have the shape the proxy gives a callback (checked against a live proxy: ``model`` carries the
``bedrock/`` route prefix, ``prompt_tokens`` includes cache reads and writes, the usage object sits in
``metadata.usage_object``); ``response_cost`` and the price entry come from LiteLLM's cost calculator and the
pinned cost map, not from this file.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
from litellm.litellm_core_utils.litellm_logging import StandardLoggingPayloadSetup
from litellm.types.utils import (
    CostBreakdown,
    ModelResponse,
    PromptTokensDetailsWrapper,
    StandardLoggingHiddenParams,
    StandardLoggingModelInformation,
    StandardLoggingPayload,
    StandardLoggingPayloadErrorInformation,
    Usage,
)

from llmgw import catalogue

_CATALOGUE = catalogue.load()
HAIKU, SONNET, OPUS = (
    _CATALOGUE.profile_id(next(m for m in _CATALOGUE.models if m.name == name))
    for name in ("claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5")
)  # the inference profiles the gateway serves these groups through (infra/litellm/models.yaml)


@contextlib.contextmanager
def quiet_pydantic_notes() -> Iterator[None]:
    """Hide pydantic's notes about LiteLLM's own ReadOnly TypedDicts (raised once, when LiteLLM first builds a
    schema in-process); they say nothing about the code under test."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*ReadOnly. qualifier", category=UserWarning)
        yield


def usage(input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0) -> Usage:
    """LiteLLM's Usage as the Bedrock transformation builds it: prompt_tokens includes cache reads/writes."""
    prompt = input_tokens + cache_read + cache_write
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=output_tokens,
        total_tokens=prompt + output_tokens,
        prompt_tokens_details=PromptTokensDetailsWrapper(
            cached_tokens=cache_read, cache_creation_tokens=cache_write, text_tokens=input_tokens
        ),
        cache_read_input_tokens=cache_read,
        cache_creation_input_tokens=cache_write,
    )


def response_cost(model_id: str, u: Usage) -> float:
    """LiteLLM's own cost calculation for a Bedrock response with this usage."""
    response = ModelResponse(model=model_id, usage=u)
    with quiet_pydantic_notes():
        return float(litellm.completion_cost(completion_response=response, model=f"bedrock/{model_id}"))


@quiet_pydantic_notes()
def success_kwargs(
    *,
    model_id: str = HAIKU,
    model_group: str = "claude-haiku-4-5",
    input_tokens: int = 100,
    output_tokens: int = 20,
    cache_read: int = 0,
    cache_write: int = 0,
    team: str | None = "team-a",
    user: str | None = "alice",
    key_alias: str | None = "ci-key",
    key_metadata: Mapping[str, object] | None = None,
    team_metadata: Mapping[str, object] | None = None,
    tags: Sequence[str] = (),
    key_spend: float | None = None,
    key_max_budget: float | None = None,
    user_spend: float | None = None,
    user_max_budget: float | None = None,
    stream: bool = False,
    call_id: str | None = None,
    metadata_field: str = "metadata",
    cost: float | None = None,
) -> dict[str, object]:
    """``kwargs`` of ``async_log_success_event`` for one successful proxy request."""
    call_id = call_id or str(uuid.uuid4())
    u = usage(input_tokens, output_tokens, cache_read, cache_write)
    cost = response_cost(model_id, u) if cost is None else cost
    request_metadata: dict[str, object] = {
        "user_api_key_team_id": team,
        "user_api_key_user_id": user,
        "user_api_key_alias": key_alias,
        "user_api_key_spend": key_spend,
        "user_api_key_max_budget": key_max_budget,
        "user_api_key_user_spend": user_spend,
        "user_api_key_user_max_budget": user_max_budget,
        "user_api_key_request_route": "/v1/chat/completions",
        "user_api_key_auth_metadata": dict(key_metadata or {}),
        "user_api_key_metadata": dict(key_metadata or {}),
        "user_api_key_team_metadata": dict(team_metadata) if team_metadata is not None else None,
        "model_group": model_group,
        "tags": list(tags),
    }
    slp_metadata = StandardLoggingPayloadSetup.get_standard_logging_metadata(
        metadata=request_metadata, usage_object=u.model_dump()
    )
    now = time.time()
    slp = StandardLoggingPayload(
        id=f"chatcmpl-{call_id}",
        trace_id=str(uuid.uuid4()),
        session_id="",
        litellm_call_id=call_id,
        call_type="acompletion",
        stream=stream,
        response_cost=cost,
        cost_breakdown=CostBreakdown(total_cost=cost),
        response_cost_failure_debug_info=None,
        status="success",
        custom_llm_provider="bedrock",
        total_tokens=u.total_tokens,
        prompt_tokens=u.prompt_tokens,
        completion_tokens=u.completion_tokens,
        startTime=now - 1,
        endTime=now,
        completionStartTime=now - 0.5,
        response_time=1.0,
        model_map_information=StandardLoggingModelInformation(
            model_map_key=f"bedrock/{model_id}",
            model_map_value=litellm.get_model_info(model=model_id, custom_llm_provider="bedrock"),
        ),
        model=f"bedrock/{model_id}",
        model_id="deployment-id",
        model_group=model_group,
        api_base="http://127.0.0.1:4010",
        metadata=slp_metadata,
        cache_hit=None,
        cache_key=None,
        saved_cache_cost=0.0,
        request_tags=list(tags),
        end_user=None,
        requester_ip_address=None,
        user_agent=None,
        messages=None,
        response=None,
        error_str=None,
        error_information=StandardLoggingPayloadErrorInformation(),
        model_parameters={},
        hidden_params=StandardLoggingHiddenParams(
            model_id="deployment-id",
            cache_key=None,
            api_base=None,
            response_cost=cost,
            litellm_overhead_time_ms=None,
            additional_headers=None,
            batch_models=None,
            batch_successful_requests=None,
            batch_failed_requests=None,
            litellm_model_name=f"bedrock/{model_id}",
            usage_object=None,
        ),
        guardrail_information=None,
        standard_built_in_tools_params=None,
    )
    return {
        "standard_logging_object": slp,
        "litellm_call_id": call_id,
        "litellm_params": {metadata_field: request_metadata},
        "model": model_id,
    }
