"""No fallback for a request the client got wrong.

LiteLLM 1.106.2's router walks a model group's fallbacks after ANY failure, client errors included
(router.py ``async_function_with_fallbacks_common_utils``; no setting limits fallbacks to some error classes).
A request Opus refuses as invalid may then be answered by a model further down the chain that happens to accept
it (Haiku 5.5 takes a forced tool call that the always-thinking Opus 5.5 refuses): the client silently gets
another model's answer, at another price, for a request it must fix.

The router records every failed attempt in the request's metadata (``previous_models``, with the exception class)
before it tries a fallback or a retry, and asks the callbacks to filter the fallback's deployments
(``CustomLogger.async_filter_deployments``). For a fallback after a client error the filter raises a 400
(``skipped``): the router does not retry a 400 (retry_policy BadRequestErrorRetries: 0), moves on, and in the end
raises the ORIGINAL error to the client, without calling Bedrock again and without cooling down any deployment
(none was called). Throttling, 5xx and timeouts still fall back.
"""

from __future__ import annotations

from collections.abc import Mapping

CLIENT_ERRORS = frozenset(
    {
        "BadRequestError",
        "ContextWindowExceededError",
        "ContentPolicyViolationError",
        "UnsupportedParamsError",
        "UnprocessableEntityError",
        "NotFoundError",
        "AuthenticationError",
        "PermissionDeniedError",
    }
)
_METADATA_KEYS = ("litellm_metadata", "metadata")


def failures(request_kwargs: Mapping[str, object] | None) -> list[str]:
    """The exception classes of the attempts of this request that failed before this one, oldest first."""
    if not isinstance(request_kwargs, Mapping):
        return []
    for key in _METADATA_KEYS:
        metadata = request_kwargs.get(key)
        attempts = metadata.get("previous_models") if isinstance(metadata, Mapping) else None
        if isinstance(attempts, list | tuple):
            return [str(a.get("exception_type")) for a in attempts if isinstance(a, Mapping)]
    return []


def blocks_fallback(request_kwargs: Mapping[str, object] | None) -> bool:
    """True once any model refused this request as invalid: a later model in the chain must not answer it (the
    router retries a blocked fallback too, so the decision looks at every earlier attempt, not the last)."""
    return any(kind in CLIENT_ERRORS for kind in failures(request_kwargs))


def skipped(model: object) -> Exception:
    import litellm

    return litellm.BadRequestError(
        message=f"fallback to {model} skipped: an earlier model refused this request as invalid",
        model=str(model),
        llm_provider="",
    )
