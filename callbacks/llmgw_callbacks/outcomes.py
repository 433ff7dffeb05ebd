"""How a failed client request is classified: the ``outcome`` and ``exception_class`` labels.

==================  ==================================================================================
outcome             exceptions / HTTP status the client got
==================  ==================================================================================
budget_exceeded     ``litellm.BudgetExceededError``, or any error LiteLLM marks ``rate_limit_type=budget``
                    or ``type=budget_exceeded`` (key, user, team, end-user or tag budget spent)
rate_limited        HTTP 429 / ``RateLimitError``: the gateway's own limits (key/team/user rpm, tpm,
                    parallel requests) *and* Bedrock throttling that retries and fallbacks could not
                    absorb; ``exception_class`` tells them apart (``Bedrock.RateLimitError`` = Bedrock)
client_error        any other 4xx: validation errors (Bedrock's or the gateway's), unknown model,
                    authentication (401/403), context window exceeded, content policy. A rejection by
                    authentication that carries no status code is answered 401 by LiteLLM and is labelled
                    ``exception_class="AuthenticationError"``
upstream_error      5xx, timeouts (``litellm.Timeout`` / 408), connection errors, errors without a status
                    code, and Bedrock's mid-stream failures (modelStreamErrorException, ..., also when
                    LiteLLM wraps them with status 200/400/424; a mid-stream throttlingException is
                    rate_limited)
worker_lost         the request was in flight when its worker process died (SIGKILL, OOM): counted by a
                    surviving worker (worker_lost.py), ``exception_class="WorkerLost"``
==================  ==================================================================================
"""

from __future__ import annotations

from .labels import normalise_exception_class

BUDGET_EXCEEDED = "budget_exceeded"
RATE_LIMITED = "rate_limited"
CLIENT_ERROR = "client_error"
UPSTREAM_ERROR = "upstream_error"
SUCCESS = "success"


def status_code(exc: BaseException) -> int | None:
    """``status_code`` (LiteLLM / OpenAI / FastAPI exceptions) or ``code`` (LiteLLM's ProxyException)."""
    for attr in ("status_code", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
    return None


def exception_class(exc: BaseException) -> str:
    """LiteLLM's own label convention: ``<Provider>.<Class>`` when the provider is known
    (``Bedrock.RateLimitError``), plain ``BudgetExceededError`` for budget errors, else the class name."""
    legacy = getattr(exc, "prometheus_exception_class_name", None)
    if isinstance(legacy, str) and legacy:
        return normalise_exception_class(legacy)
    name = type(exc).__name__
    if name == "BudgetExceededError":
        return name
    provider = getattr(exc, "llm_provider", None)
    if isinstance(provider, str) and provider:
        name = f"{provider[0].upper()}{provider[1:]}.{name}"
    return normalise_exception_class(name)


def _is_budget(exc: BaseException) -> bool:
    if type(exc).__name__ == "BudgetExceededError":
        return True
    if str(getattr(exc, "rate_limit_type", "") or "").lower() == "budget":
        return True
    return str(getattr(exc, "type", "") or "").lower() == "budget_exceeded"


def _is_timeout(exc: BaseException) -> bool:
    return any(cls.__name__ in {"Timeout", "APITimeoutError", "TimeoutError"} for cls in type(exc).__mro__)


AUTHENTICATION_ERROR = "AuthenticationError"

# Bedrock's mid-stream exception events (InvokeModelWithResponseStream / ConverseStream). LiteLLM 1.106.2 wraps
# them as BedrockError or BadRequestError with the HTTP status of the stream (200) or 424, so the status says
# "client error" for what is Bedrock throttling or failing; the event name says what it was.
_STREAM_THROTTLED = ("throttlingexception",)
_STREAM_FAILED = ("modelstreamerrorexception", "internalserverexception", "serviceunavailableexception",
                  "modeltimeoutexception")  # fmt: skip


def _stream_event(exc: BaseException) -> str | None:
    text = str(getattr(exc, "message", None) or exc).lower()
    if any(name in text for name in _STREAM_THROTTLED):
        return RATE_LIMITED
    if any(name in text for name in _STREAM_FAILED):
        return UPSTREAM_ERROR
    return None


def classify(exc: BaseException, *, during_authentication: bool = False) -> tuple[str, str]:
    """``(outcome, exception_class)`` of a request that failed with ``exc``.

    ``during_authentication``: the request was rejected before the proxy accepted it (LiteLLM's
    ``user_api_key_auth``), where an exception without a status code becomes a 401 for the client."""
    code = status_code(exc)
    if during_authentication and code is None and not _is_budget(exc):
        return CLIENT_ERROR, AUTHENTICATION_ERROR
    stream_event = _stream_event(exc) if code is None or code in (200, 400, 424) else None
    if _is_budget(exc):
        outcome = BUDGET_EXCEEDED
    elif stream_event is not None:
        outcome = stream_event
    elif code == 429 or any(cls.__name__ == "RateLimitError" for cls in type(exc).__mro__):
        outcome = RATE_LIMITED
    elif _is_timeout(exc) or code is None or code == 408 or code >= 500:
        outcome = UPSTREAM_ERROR
    elif 400 <= code < 500:
        outcome = CLIENT_ERROR
    else:
        outcome = UPSTREAM_ERROR
    return outcome, exception_class(exc)
