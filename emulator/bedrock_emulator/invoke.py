"""InvokeModel with an Anthropic Messages body: ``POST /model/{modelId}/invoke`` and
``/invoke-with-response-stream`` (chunks carrying base64 Anthropic SSE events).

Bedrock checks the body in two layers. First its JSON schema for the Anthropic Messages format (required keys,
JSON types, ``model``/``stream`` are not part of the InvokeModel body): "Malformed input request: ..., please
reformat your input and try again." Then the model validates the request (messages_api.py); its refusals reach
the caller as ``ValidationException`` with Claude's message (as Bedrock returns them for InvokeModel, e.g.
``{"message":"This model does not support assistant message prefill. The conversation must end with a user
message."}``, github.com/HKUDS/Vibe-Trading/issues/246).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator, Mapping

from . import errors, messages_api
from .cache import CacheUsage
from .catalog import ModelSpec
from .eventstream import encode_event
from .generate import Answer, split_json, text_deltas
from .prompt import Prompt
from .streaming import Frame, Timer
from .tokens import canonical_json

ANTHROPIC_VERSION = "bedrock-2023-05-31"
_NOT_PERMITTED = ("model", "stream")


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Number" if isinstance(value, float) else "Integer"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "JSONArray"
    if isinstance(value, Mapping):
        return "JSONObject"
    return "Null"


def _expected(path: str, expected: str, value: object) -> errors.BedrockError:
    return errors.malformed(f"{path}: expected type: {expected}, found: {_json_type(value)}")


def load_body(raw: bytes) -> Mapping[str, object]:
    """Decode an InvokeModel body into a JSON object, with Bedrock's wording for what is not one."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.malformed("#: the request body is not valid JSON") from None
    if not isinstance(body, Mapping):
        raise _expected("#", "JSONObject", body)
    return body


def check_schema(body: Mapping[str, object]) -> tuple[int, list[str]]:
    """Bedrock's JSON-schema layer: returns max_tokens and the body's ``anthropic_beta``."""
    for key in ("anthropic_version", "max_tokens", "messages"):
        if key not in body:
            raise errors.malformed(f"#: required key [{key}] not found")
    for key in _NOT_PERMITTED:
        if key in body:
            raise errors.malformed(f"#: extraneous key [{key}] is not permitted")
    if not isinstance(body["anthropic_version"], str):
        raise _expected("#/anthropic_version", "String", body["anthropic_version"])
    max_tokens = body["max_tokens"]
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
        raise _expected("#/max_tokens", "Integer", max_tokens)
    if max_tokens < 1:
        raise errors.malformed(f"#/max_tokens: {max_tokens} is not greater or equal to 1")
    betas = body.get("anthropic_beta")
    if betas is not None and (not isinstance(betas, list) or not all(isinstance(b, str) for b in betas)):
        raise _expected("#/anthropic_beta", "JSONArray", betas)
    messages = body["messages"]
    if not isinstance(messages, list):
        raise _expected("#/messages", "JSONArray", messages)
    if not messages:
        raise errors.malformed("#/messages: expected minimum item count: 1, found: 0")
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise _expected(f"#/messages/{index}", "JSONObject", message)
        if message.get("role") not in ("user", "assistant", "system"):
            raise errors.malformed(f"#/messages/{index}/role: {message.get('role')} is not a valid enum value")
        content = message.get("content")
        if isinstance(content, list):
            for position, block in enumerate(content):
                if not isinstance(block, Mapping):
                    raise _expected(f"#/messages/{index}/content/{position}", "JSONObject", block)
                if not isinstance(block.get("type"), str):
                    raise errors.malformed(f"#/messages/{index}/content/{position}: required key [type] not found")
        elif not isinstance(content, str):
            raise _expected(f"#/messages/{index}/content", "JSONArray", content)
    return max_tokens, list(betas or [])


def parse(body: Mapping[str, object], spec: ModelSpec) -> Prompt:
    """Validate an InvokeModel body the way Bedrock (its JSON schema, then the model) does."""
    max_tokens, betas = check_schema(body)
    try:
        return messages_api.validate(body, spec, max_tokens=max_tokens, betas=betas)
    except messages_api.RequestRejected as rejected:
        raise errors.validation(rejected.message) from None


def parse_for_count(body: Mapping[str, object], spec: ModelSpec) -> Prompt:
    """CountTokens ``invokeModel`` input: an InvokeModel body, counted without generating."""
    max_tokens, betas = check_schema(body)
    try:
        return messages_api.validate(
            body, spec, max_tokens=max_tokens, betas=betas, surface=messages_api.Surface(count_only=True)
        )
    except messages_api.RequestRejected as rejected:
        raise errors.validation(rejected.message) from None


def decode_count_tokens_body(value: object) -> Mapping[str, object]:
    """CountTokens ``invokeModel.body``: a blob, so base64 on the wire (botocore, LiteLLM); raw JSON text is
    accepted too."""
    if not isinstance(value, str):
        raise errors.validation(
            "1 validation error detected: Value at 'input.invokeModel.body' failed to satisfy "
            "constraint: Member must not be null"
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raw = value.encode("utf-8")
    if not raw.lstrip().startswith(b"{"):
        raw = value.encode("utf-8")
    return load_body(raw)


def tool_use_id(answer: Answer) -> str:
    return "toolu_bdrk_01" + answer.tool_id_suffix


def content_blocks(answer: Answer) -> list[object]:
    """The response content: a thinking block (with its signature) first when thinking is on."""
    blocks: list[object] = []
    if answer.has_thinking:
        blocks.append({"type": "thinking", "thinking": answer.thinking_text, "signature": answer.thinking_signature})
    if answer.is_tool_use:
        blocks.append(
            {"type": "tool_use", "id": tool_use_id(answer), "name": answer.tool_name, "input": answer.tool_input}
        )
    elif answer.words:
        blocks.append({"type": "text", "text": answer.text})
    return blocks


def new_message_id() -> str:
    return "msg_bdrk_01" + uuid.uuid4().hex[:22]


def usage(answer: Answer, cache: CacheUsage) -> dict[str, object]:
    return {
        "input_tokens": cache.input_tokens,
        "cache_creation_input_tokens": cache.cache_write,
        "cache_read_input_tokens": cache.cache_read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache.cache_write_5m,
            "ephemeral_1h_input_tokens": cache.cache_write_1h,
        },
        "output_tokens": answer.output_tokens,
    }


def render(answer: Answer, cache: CacheUsage, model_name: str) -> dict[str, object]:
    """The Anthropic Messages response body InvokeModel returns."""
    return {
        "id": new_message_id(),
        "type": "message",
        "role": "assistant",
        "model": model_name,
        "content": content_blocks(answer),
        "stop_reason": answer.stop_reason,
        "stop_sequence": None,
        "usage": usage(answer, cache),
    }


def response_headers(answer: Answer, cache: CacheUsage, latency_ms: int) -> dict[str, str]:
    return {
        "x-amzn-bedrock-input-token-count": str(cache.input_tokens),
        "x-amzn-bedrock-output-token-count": str(answer.output_tokens),
        "x-amzn-bedrock-invocation-latency": str(latency_ms),
        "x-amzn-bedrock-cache-read-input-token-count": str(cache.cache_read),
        "x-amzn-bedrock-cache-write-input-token-count": str(cache.cache_write),
    }


def _chunk(event: Mapping[str, object], tokens: float = 0.0) -> Frame:
    raw = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Frame(encode_event("chunk", {"bytes": base64.b64encode(raw).decode("ascii")}), tokens)


def sse_events(answer: Answer, cache: CacheUsage, model_name: str) -> Iterator[tuple[dict[str, object], float]]:
    """The Anthropic streaming events of an answer, each with the output tokens it carries (for pacing)."""
    start_usage = usage(answer, cache)
    start_usage["output_tokens"] = 1
    yield (
        {
            "type": "message_start",
            "message": {
                "id": new_message_id(),
                "type": "message",
                "role": "assistant",
                "model": model_name,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": start_usage,
            },
        },
        0.0,
    )
    index = 0
    if answer.has_thinking:
        yield {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}, 0.0
        shown = answer.thinking_text
        if shown:
            for delta in text_deltas(shown.split()):
                yield (
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": delta}},
                    1.0,
                )
        else:  # display omitted: the tokens are spent before the signature arrives
            yield (
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "signature_delta", "signature": answer.thinking_signature},
                },
                float(answer.thinking_tokens),
            )
        if shown:
            yield (
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "signature_delta", "signature": answer.thinking_signature},
                },
                0.0,
            )
        yield {"type": "content_block_stop", "index": 0}, 0.0
        index = 1
    if answer.is_tool_use:
        yield (
            {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "tool_use", "id": tool_use_id(answer), "name": answer.tool_name, "input": {}},
            },
            0.0,
        )
        pieces = split_json(canonical_json(answer.tool_input))
        weight = (answer.output_tokens - answer.thinking_tokens) / len(pieces)
        for piece in ["", *pieces]:
            yield (
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": piece},
                },
                (weight if piece else 0.0),
            )
        yield {"type": "content_block_stop", "index": index}, 0.0
    elif answer.words:
        yield {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}, 0.0
        for delta in text_deltas(answer.words):
            yield {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": delta}}, 1.0
        yield {"type": "content_block_stop", "index": index}, 0.0
    yield (
        {
            "type": "message_delta",
            "delta": {"stop_reason": answer.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": answer.output_tokens},
        },
        0.0,
    )


def stream_frames(answer: Answer, cache: CacheUsage, model_name: str, timer: Timer) -> Iterator[Frame]:
    """The chunks of InvokeModelWithResponseStream: one Anthropic SSE event (JSON) per chunk, base64 encoded."""
    for event, tokens in sse_events(answer, cache, model_name):
        yield _chunk(event, tokens)
    latency = timer.elapsed_ms()
    yield _chunk(
        {
            "type": "message_stop",
            "amazon-bedrock-invocationMetrics": {
                "inputTokenCount": cache.input_tokens,
                "outputTokenCount": answer.output_tokens,
                "invocationLatency": latency,
                "firstByteLatency": timer.first_byte_ms if timer.first_byte_ms is not None else latency,
                "cacheReadInputTokenCount": cache.cache_read,
                "cacheWriteInputTokenCount": cache.cache_write,
            },
        }
    )
