"""Bedrock-shaped errors: HTTP status, ``x-amzn-ErrorType`` header and ``{"message": ...}`` body."""

from __future__ import annotations

import json
import uuid

from aiohttp import web

ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"

# The event-stream member name each error type has in Bedrock's stream shapes (ResponseStream /
# ConverseStreamOutput), for errors that can arrive as a mid-stream exception frame.
STREAM_EXCEPTION_NAMES: dict[str, str] = {
    "ThrottlingException": "throttlingException",
    "InternalServerException": "internalServerException",
    "ServiceUnavailableException": "serviceUnavailableException",
    "ValidationException": "validationException",
    "ModelTimeoutException": "modelTimeoutException",
    "ModelStreamErrorException": "modelStreamErrorException",
}


class BedrockError(Exception):
    """An error Bedrock would answer with."""

    def __init__(self, status: int, error_type: str, message: str, extra: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.extra = extra or {}

    def body(self) -> dict[str, object]:
        return {"message": self.message, **self.extra}

    def to_response(self) -> web.Response:
        return web.Response(
            status=self.status,
            body=json.dumps(self.body()).encode("utf-8"),
            content_type="application/json",
            headers={
                "x-amzn-ErrorType": self.error_type + ERROR_TYPE_SUFFIX,
                "x-amzn-RequestId": str(uuid.uuid4()),
            },
        )


def validation(message: str) -> BedrockError:
    return BedrockError(400, "ValidationException", message)


def malformed(detail: str) -> BedrockError:
    """The wording Bedrock uses when an InvokeModel body fails the model's JSON schema."""
    return validation(f"Malformed input request: {detail}, please reformat your input and try again.")


def invalid_model() -> BedrockError:
    return validation("The provided model identifier is invalid.")


def throttling() -> BedrockError:
    return BedrockError(429, "ThrottlingException", "Too many requests, please wait before trying again.")


def model_not_ready() -> BedrockError:
    return BedrockError(
        429,
        "ModelNotReadyException",
        "Model is not ready to serve inference requests. The AWS SDK will automatically retry the operation.",
    )


def internal() -> BedrockError:
    return BedrockError(
        500,
        "InternalServerException",
        "The system encountered an unexpected error during processing. Try your request again.",
    )


def unavailable() -> BedrockError:
    return BedrockError(503, "ServiceUnavailableException", "Bedrock is unable to process your request.")


def model_timeout() -> BedrockError:
    return BedrockError(
        408, "ModelTimeoutException", "Model has timed out in processing the request. Try your request again."
    )


def model_stream_error() -> BedrockError:
    return BedrockError(
        424,
        "ModelStreamErrorException",
        "The model encountered an error while streaming the response. Try your request again.",
        {"originalStatusCode": 500, "originalMessage": "Internal server error"},
    )


def model_error() -> BedrockError:
    return BedrockError(
        424,
        "ModelErrorException",
        "The model encountered an error processing the request. Try your request again.",
        {"originalStatusCode": 500},
    )


def context_overflow() -> BedrockError:
    return validation("Input is too long for requested model.")


def not_found(path: str) -> BedrockError:
    return BedrockError(404, "UnknownOperationException", f"Unknown operation: {path}")


def access_denied(message: str) -> BedrockError:
    return BedrockError(403, "AccessDeniedException", message)


def on_demand_not_supported(model_id: str) -> BedrockError:
    """A base model id of a model Bedrock serves only through inference profiles (Claude 4.5 and later).
    Wording as Bedrock gives it (e.g. github.com/cline/cline/issues/689), typographic apostrophe included."""
    return validation(
        f"Invocation of model ID {model_id} with on-demand throughput isn\u2019t supported. Retry your request with "
        "the ID or ARN of an inference profile that contains this model."
    )


def count_tokens_not_supported(model_id: str) -> BedrockError:
    """bedrock-runtime CountTokens for a model it does not count (AWS "Count tokens": counted on bedrock-mantle
    instead). The status (400) is what LiteLLM's fallback to bedrock-mantle reacts to; the exact text is not
    documented."""
    return validation(f"The model {model_id} does not support CountTokens on bedrock-runtime. Use bedrock-mantle.")
