"""Errors in Bedrock's own shape on the /bedrock pass-through, from LiteLLM's failure hook (never by patching it).

A Bedrock-native client (boto3's ``bedrock-runtime`` with ``endpoint_url`` at the gateway, the AWS SDKs, Claude Code
in Bedrock mode) reads an error the way Bedrock sends it: the status, an ``x-amzn-ErrorType`` header or a ``code``
member naming the exception, and a top-level ``message``. botocore's rest-json parser takes the message from the
body's top-level ``message``/``Message`` only. LiteLLM 1.106.2 renders every pass-through error as
``{"error": {...}}`` (its ProxyException handler) or ``{"detail": ...}`` (an upstream ``httpx.HTTPStatusError``), so
boto3 raised ``ClientError`` with code ``"400"`` and an empty message.

What LiteLLM lets a callback do, and what this module does with it:

* ``async_post_call_failure_hook`` may return an ``HTTPException`` that replaces the error
  (``ProxyLogging.post_call_failure_hook``). On the pass-through the replacement reaches
  ``ProxyBaseLLMRequestProcessing.handle_llm_api_exception``, which re-raises a ``ProxyException`` unchanged.
* The proxy's exception handlers are looked up along the exception's MRO (Starlette). One of them is LiteLLM's
  own handler for ``ManagementProblem`` (RFC 9457 problems of its management API), which renders
  ``problem.model_dump()`` as the body: a ``ProblemDetail`` subclass with ``message`` and ``code`` members is
  exactly what botocore and the AWS SDKs read.

So the hook returns a ``BedrockShapedError``: an ``HTTPException`` (so the hook's answer is used), a
``ProxyException`` (so it is re-raised unchanged) and a ``ManagementProblem`` first in its MRO (so LiteLLM's problem
handler renders it). The body is ``{"type", "title", "status", "detail", "message", "code"}`` as
``application/problem+json``; Bedrock's own body is ``{"message"}`` with the type in a header. That handler sends
no headers, so ``x-amzn-ErrorType``/``x-amzn-RequestId``/``retry-after`` are not sent: the type travels as ``code``.

What no hook reaches (LiteLLM 1.106.2): errors of the authentication step — a missing or unknown key (401), a spent
budget (429) — are rebuilt by ``auth_exception_handler._as_proxy_exception`` into a plain ``ProxyException`` whatever
the hook returns, and rendered as ``{"error": {...}}`` without headers: boto3 gets ``ClientError`` code ``"401"`` /
``"429"`` with an empty message. docs/identity.md gives the client-side hook that reads them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import HTTPException
from litellm.proxy._types import ProxyException
from litellm.proxy.list_api.common import ManagementProblem
from litellm.types.proxy.management_endpoints.management_v1 import ProblemDetail

logger = logging.getLogger("llmgw_callbacks")

ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"
# Bedrock's wording for a model id it does not serve (the emulator is held to it: emulator/bedrock_emulator/errors.py)
INVALID_MODEL = "The provided model identifier is invalid."
_INVALID_MODEL_MARKERS = ("Invalid model name passed in model=",)

# The Bedrock exception a status means when LiteLLM (not Bedrock) refused the request (Bedrock API reference,
# "Common errors" and each operation's "Errors").
TYPE_BY_STATUS: Mapping[int, str] = {
    400: "ValidationException",
    401: "AccessDeniedException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    422: "ValidationException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}


@dataclass(frozen=True, slots=True)
class BedrockError:
    status: int
    error_type: str
    message: str


def is_bedrock_passthrough(request_data: Mapping[str, object]) -> bool:
    """True for a model call on LiteLLM's /bedrock pass-through (request data {"endpoint": "/model/…", …})."""
    endpoint = request_data.get("endpoint")
    return (
        request_data.get("custom_llm_provider") == "bedrock"
        and isinstance(endpoint, str)
        and endpoint.lstrip("/").startswith("model/")
    )


def type_for(status: int) -> str:
    if status in TYPE_BY_STATUS:
        return TYPE_BY_STATUS[status]
    return "InternalServerException" if status >= 500 else "ValidationException"


def _status(exception: BaseException) -> int:
    for attribute in ("status_code", "code"):
        try:
            status = int(str(getattr(exception, attribute, None)))
        except (TypeError, ValueError):
            continue
        if 400 <= status <= 599:
            return status
    return 500


def _text(value: object) -> str:
    if isinstance(value, Mapping):
        inner = value.get("error", value.get("message"))
        if inner is not None:
            return _text(inner)
        return json.dumps(value)
    return str(value)


def _message(exception: BaseException) -> str:
    if isinstance(exception, HTTPException):
        return _text(exception.detail)
    message = getattr(exception, "message", None)
    return str(message) if message else str(exception)


def upstream(status: int, headers: Mapping[str, str], body: bytes) -> BedrockError:
    """An answer Bedrock gave (LiteLLM's ``httpx.HTTPStatusError``): its status, type and message as they were."""
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    error_type = lowered.get("x-amzn-errortype", "").split(":", 1)[0] or type_for(status)
    message = body.decode("utf-8", "replace").strip()
    try:
        parsed = json.loads(message) if message else {}
    except ValueError:
        parsed = None
    if isinstance(parsed, Mapping):
        message = str(parsed.get("message") or parsed.get("Message") or message)
    return BedrockError(status, error_type, message or f"Bedrock answered {status}.")


def classify(exception: BaseException) -> BedrockError:
    """The Bedrock error for an exception LiteLLM raised on the pass-through (its own refusals and Bedrock's)."""
    status = _status(exception)
    message = _message(exception)
    if any(marker in message for marker in _INVALID_MODEL_MARKERS):
        return BedrockError(400, "ValidationException", INVALID_MODEL)
    from .errors import upstream_message

    if getattr(exception, "llm_provider", None) in ("bedrock", "bedrock_converse"):
        message = upstream_message(message) or message
    return BedrockError(status, type_for(status), message)


async def bedrock_error(exception: BaseException) -> BedrockError:
    """classify(), reading the body of an upstream answer first."""
    import httpx

    if isinstance(exception, httpx.HTTPStatusError):
        response = exception.response
        return upstream(response.status_code, response.headers, await response.aread())
    return classify(exception)


class BedrockProblem(ProblemDetail):
    """LiteLLM's RFC 9457 problem with the two members a Bedrock client reads: ``message`` and ``code``."""

    message: str
    code: str


class BedrockShapedError(ManagementProblem, ProxyException, HTTPException):
    """The hook's answer (see the module docstring for why it is all three)."""

    def __init__(self, error: BedrockError) -> None:
        # The three __init__ chain through super() with different signatures: set what each class reads.
        Exception.__init__(self, error.message)
        self.message = error.message  # ProxyException
        self.type = error.error_type
        self.param = None
        self.code = str(error.status)
        self.openai_code = self.code
        self.provider_specific_fields = None
        self.headers: dict[str, str] = {}
        self.status_code = error.status  # HTTPException
        self.detail = error.message
        self.error = error
        self.problem = BedrockProblem(
            type="about:blank",
            title=error.error_type,
            status=error.status,
            detail=error.message,
            message=error.message,
            code=error.error_type,
        )


async def reshape(request_data: Mapping[str, object], exception: BaseException) -> BedrockShapedError | None:
    """The error a Bedrock client should get for a failed pass-through request, or None for other routes."""
    if not is_bedrock_passthrough(request_data) or isinstance(exception, BedrockShapedError):
        return None
    error = await bedrock_error(exception)
    logger.debug("bedrock pass-through error %s %s: %s", error.status, error.error_type, error.message)
    return BedrockShapedError(error)
