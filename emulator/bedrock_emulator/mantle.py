"""bedrock-mantle's Anthropic endpoint: ``POST /anthropic/v1/messages/count_tokens``.

Bedrock counts the tokens of models that launched cross-region only on bedrock-mantle, with Anthropic's own
count_tokens API (AWS "Count tokens using the bedrock-mantle endpoint"); LiteLLM calls it for those models when
bedrock-runtime's CountTokens answers 400/404 (litellm/llms/bedrock/count_tokens/bedrock_token_counter.py). The
body is Anthropic's count_tokens request (``model`` = the base model id, ``messages``, ``system``, ``tools``...;
no ``max_tokens``), the version is the ``anthropic-version`` header, betas come in ``anthropic-beta``, and
errors have Anthropic's shape ``{"type": "error", "error": {"type": ..., "message": ...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from aiohttp import web

from . import catalog, messages_api
from .tokens import count_anthropic_input_tokens

COUNT_TOKENS_PATH = "/anthropic/v1/messages/count_tokens"
MESSAGES_PATH = "/anthropic/v1/messages"
_COUNT = messages_api.Surface(mantle=True, count_only=True)


class MantleError(Exception):
    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message

    def to_response(self) -> web.Response:
        body = {"type": "error", "error": {"type": self.error_type, "message": self.message}}
        return web.json_response(body, status=self.status)


def invalid(message: str) -> MantleError:
    return MantleError(400, "invalid_request_error", message)


def request_model(raw: bytes) -> tuple[Mapping[str, object], str]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid("The request body is not valid JSON.") from None
    if not isinstance(body, Mapping):
        raise invalid("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("model: Field required")
    return body, model


def count_tokens(body: Mapping[str, object], model: str, headers: Mapping[str, str]) -> dict[str, int]:
    if not headers.get("anthropic-version"):
        raise invalid("anthropic-version: header is required")
    try:
        resolved = catalog.resolve(model)
    except catalog.UnknownModel:
        raise MantleError(404, "not_found_error", f"model: {model}") from None
    if resolved.profile is not None or resolved.spec is None:
        raise MantleError(404, "not_found_error", f"model: {model}")
    betas = [b.strip() for b in headers.get("anthropic-beta", "").split(",") if b.strip()]
    try:
        messages_api.validate(body, resolved.spec, max_tokens=1, betas=betas, surface=_COUNT)
    except messages_api.RequestRejected as rejected:
        raise invalid(rejected.message) from None
    return {"input_tokens": count_anthropic_input_tokens(body)}
