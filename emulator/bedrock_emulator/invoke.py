"""InvokeModel with an Anthropic Messages body: ``POST /model/{modelId}/invoke`` and
``/invoke-with-response-stream`` (chunks carrying base64 Anthropic SSE events)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator, Mapping

from . import errors
from .cache import CacheUsage
from .eventstream import encode_event
from .generate import Answer, split_json, text_deltas
from .prompt import DEFAULT_CACHE_TTL_S, ONE_HOUR_S, PrefixHasher, Prompt, ToolChoiceMode, ToolDef
from .streaming import Frame, Timer
from .tokens import (
    canonical_json,
    count_anthropic_block_tokens,
    count_anthropic_tool_tokens,
    count_text_tokens,
)

ANTHROPIC_VERSION = "bedrock-2023-05-31"
MAX_CACHE_CONTROL_BLOCKS = 4
_NOT_PERMITTED = ("model", "stream")
_TOOL_CHOICES: tuple[ToolChoiceMode, ...] = ("auto", "any", "tool", "none")


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


def _cache_ttl(block: Mapping[str, object]) -> float | None:
    control = block.get("cache_control")
    if not isinstance(control, Mapping):
        return None
    return ONE_HOUR_S if control.get("ttl") == "1h" else DEFAULT_CACHE_TTL_S


def _add_block(hasher: PrefixHasher, role: str, block: object) -> None:
    if not isinstance(block, Mapping):
        hasher.add("b" + role, canonical_json(block), count_anthropic_block_tokens(block))
        return
    if block.get("type") == "text" and isinstance(block.get("text"), str):
        text = block["text"]
        hasher.add("t" + role, text, count_text_tokens(text))
    else:
        stripped = {k: v for k, v in block.items() if k != "cache_control"}
        hasher.add("b" + role, canonical_json(stripped), count_anthropic_block_tokens(block))
    ttl = _cache_ttl(block)
    if ttl is not None:
        hasher.mark(ttl)


def _check_header_fields(body: Mapping[str, object]) -> int:
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
    return max_tokens


def _add_tools(body: Mapping[str, object], hasher: PrefixHasher) -> list[ToolDef]:
    tools = body.get("tools")
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise _expected("#/tools", "JSONArray", tools)
    defs: list[ToolDef] = []
    for index, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise _expected(f"#/tools/{index}", "JSONObject", tool)
        if not isinstance(tool.get("name"), str):
            raise errors.malformed(f"#/tools/{index}: required key [name] not found")
        if "input_schema" in tool:
            defs.append(ToolDef(tool["name"], tool["input_schema"]))
        stripped = {k: v for k, v in tool.items() if k != "cache_control"}
        hasher.add("tool", canonical_json(stripped), count_anthropic_tool_tokens(tool))
        ttl = _cache_ttl(tool)
        if ttl is not None:
            hasher.mark(ttl)
    return defs


def _add_system(body: Mapping[str, object], hasher: PrefixHasher) -> None:
    system = body.get("system")
    if system is None:
        return
    if isinstance(system, str):
        hasher.add("ts", system, count_text_tokens(system))
        return
    if not isinstance(system, list):
        raise _expected("#/system", "JSONArray", system)
    for block in system:
        _add_block(hasher, "s", block)


def _add_messages(messages: object, hasher: PrefixHasher) -> bool:
    """Hashes/counts the messages; returns whether the last user turn carries a tool result."""
    if not isinstance(messages, list):
        raise _expected("#/messages", "JSONArray", messages)
    if not messages:
        raise errors.malformed("#/messages: expected minimum item count: 1, found: 0")
    answers_tool_result = False
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise _expected(f"#/messages/{index}", "JSONObject", message)
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise errors.malformed(f"#/messages/{index}/role: {role} is not a valid enum value")
        tag = "u" if role == "user" else "a"
        content = message.get("content")
        is_last = index == len(messages) - 1
        if isinstance(content, str):
            if not content and not (is_last and role == "assistant"):
                raise errors.validation(
                    "messages: all messages must have non-empty content except for the optional final assistant message"
                )
            hasher.add("t" + tag, content, count_text_tokens(content))
            if role == "user":
                answers_tool_result = False
            continue
        if not isinstance(content, list):
            raise _expected(f"#/messages/{index}/content", "JSONArray", content)
        for position, block in enumerate(content):
            if not isinstance(block, Mapping):
                raise _expected(f"#/messages/{index}/content/{position}", "JSONObject", block)
            if not isinstance(block.get("type"), str):
                raise errors.malformed(f"#/messages/{index}/content/{position}: required key [type] not found")
            if block["type"] == "text" and not block.get("text"):
                raise errors.validation("messages: text content blocks must be non-empty")
            _add_block(hasher, tag, block)
        if role == "user":
            answers_tool_result = any(isinstance(b, Mapping) and b.get("type") == "tool_result" for b in content)
    return answers_tool_result


def _tool_choice(body: Mapping[str, object], tools: list[ToolDef]) -> tuple[ToolChoiceMode, str | None]:
    choice = body.get("tool_choice")
    if choice is None:
        return "auto", None
    if not isinstance(choice, Mapping):
        raise _expected("#/tool_choice", "JSONObject", choice)
    kind = choice.get("type")
    if kind not in _TOOL_CHOICES:
        raise errors.malformed(f"#/tool_choice/type: {kind} is not a valid enum value")
    if kind == "tool":
        name = choice.get("name")
        if not isinstance(name, str):
            raise errors.malformed("#/tool_choice: required key [name] not found")
        if all(tool.name != name for tool in tools):
            raise errors.validation(f"tool_choice: Tool '{name}' not found in tools")
        return "tool", name
    return kind, None  # type: ignore[return-value]


def parse(body: Mapping[str, object]) -> Prompt:
    """Validate an Anthropic Messages body the way Bedrock (its JSON schema, then Anthropic) does."""
    max_tokens = _check_header_fields(body)
    hasher = PrefixHasher()
    tools = _add_tools(body, hasher)
    _add_system(body, hasher)
    answers_tool_result = _add_messages(body["messages"], hasher)
    if len(hasher.breakpoints) > MAX_CACHE_CONTROL_BLOCKS:
        raise errors.validation(
            f"A maximum of {MAX_CACHE_CONTROL_BLOCKS} blocks with cache_control may be provided. "
            f"Found {len(hasher.breakpoints)}."
        )
    mode, name = _tool_choice(body, tools)
    return Prompt(
        input_tokens=hasher.tokens,
        breakpoints=hasher.breakpoints,
        seed=hasher.seed(),
        max_tokens=max_tokens,
        tools=tools,
        tool_choice=mode,
        tool_choice_name=name,
        answers_tool_result=answers_tool_result,
    )


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


def _content(answer: Answer) -> list[object]:
    if answer.is_tool_use:
        return [{"type": "tool_use", "id": tool_use_id(answer), "name": answer.tool_name, "input": answer.tool_input}]
    return [{"type": "text", "text": answer.text}] if answer.words else []


def new_message_id() -> str:
    return "msg_bdrk_01" + uuid.uuid4().hex[:22]


def render(answer: Answer, usage: CacheUsage, model_name: str) -> dict[str, object]:
    """The Anthropic Messages response body InvokeModel returns."""
    return {
        "id": new_message_id(),
        "type": "message",
        "role": "assistant",
        "model": model_name,
        "content": _content(answer),
        "stop_reason": answer.stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage.input_tokens,
            "cache_creation_input_tokens": usage.cache_write,
            "cache_read_input_tokens": usage.cache_read,
            "output_tokens": answer.output_tokens,
        },
    }


def response_headers(answer: Answer, usage: CacheUsage, latency_ms: int) -> dict[str, str]:
    return {
        "x-amzn-bedrock-input-token-count": str(usage.input_tokens),
        "x-amzn-bedrock-output-token-count": str(answer.output_tokens),
        "x-amzn-bedrock-invocation-latency": str(latency_ms),
        "x-amzn-bedrock-cache-read-input-token-count": str(usage.cache_read),
        "x-amzn-bedrock-cache-write-input-token-count": str(usage.cache_write),
    }


def _chunk(event: Mapping[str, object], tokens: float = 0.0) -> Frame:
    raw = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Frame(encode_event("chunk", {"bytes": base64.b64encode(raw).decode("ascii")}), tokens)


def stream_frames(answer: Answer, usage: CacheUsage, model_name: str, timer: Timer) -> Iterator[Frame]:
    """The chunks of InvokeModelWithResponseStream: one Anthropic SSE event (JSON) per chunk, base64 encoded."""
    yield _chunk(
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
                "usage": {
                    "input_tokens": usage.input_tokens,
                    "cache_creation_input_tokens": usage.cache_write,
                    "cache_read_input_tokens": usage.cache_read,
                    "output_tokens": 1,
                },
            },
        }
    )
    if answer.is_tool_use:
        yield _chunk(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": tool_use_id(answer), "name": answer.tool_name, "input": {}},
            }
        )
        pieces = split_json(canonical_json(answer.tool_input))
        weight = answer.output_tokens / len(pieces)
        for piece in ["", *pieces]:
            yield _chunk(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": piece},
                },
                weight if piece else 0.0,
            )
        yield _chunk({"type": "content_block_stop", "index": 0})
    elif answer.words:
        yield _chunk({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
        for delta in text_deltas(answer.words):
            yield _chunk(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": delta}}, 1.0
            )
        yield _chunk({"type": "content_block_stop", "index": 0})
    yield _chunk(
        {
            "type": "message_delta",
            "delta": {"stop_reason": answer.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": answer.output_tokens},
        }
    )
    latency = timer.elapsed_ms()
    yield _chunk(
        {
            "type": "message_stop",
            "amazon-bedrock-invocationMetrics": {
                "inputTokenCount": usage.input_tokens,
                "outputTokenCount": answer.output_tokens,
                "invocationLatency": latency,
                "firstByteLatency": timer.first_byte_ms if timer.first_byte_ms is not None else latency,
                "cacheReadInputTokenCount": usage.cache_read,
                "cacheWriteInputTokenCount": usage.cache_write,
            },
        }
    )
