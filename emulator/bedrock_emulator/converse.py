"""The Converse API: ``POST /model/{modelId}/converse`` and ``/converse-stream``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from . import errors, messages_api
from . import thinking as thinking_mod
from .cache import CacheUsage
from .catalog import ModelSpec
from .eventstream import encode_event
from .generate import Answer, split_json, text_deltas
from .prompt import DEFAULT_CACHE_TTL_S, ONE_HOUR_S, PrefixHasher, Prompt, ToolChoiceMode, ToolDef, ToolResult
from .streaming import Frame, Timer
from .tokens import canonical_json, count_converse_block_tokens, count_converse_tool_tokens, count_text_tokens

DEFAULT_MAX_TOKENS = 4096
MAX_CACHE_POINTS = 4

_ROLES = ("user", "assistant")
_START_WITH_USER = (
    "A conversation must start with a user message. Try again with a conversation that starts with a user message."
)


def load_body(raw: bytes) -> Mapping[str, object]:
    """Decode a request body that must be a JSON object."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.validation("The request body is not valid JSON.") from None
    if not isinstance(body, Mapping):
        raise errors.validation("The request body must be a JSON object.")
    return body


def _cache_ttl(point: object) -> float:
    if isinstance(point, Mapping) and point.get("ttl") == "1h":
        return ONE_HOUR_S
    return DEFAULT_CACHE_TTL_S


def _constraint(value: object, where: str, rule: str) -> errors.BedrockError:
    return errors.validation(
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: {rule}"
    )


def _add_block(hasher: PrefixHasher, role: str, block: Mapping[str, object]) -> None:
    if "cachePoint" in block:
        hasher.mark(_cache_ttl(block["cachePoint"]))
        return
    if "reasoningContent" in block:
        hasher.add("b" + role, canonical_json(block), 0)  # earlier turns' thinking is not read again as input
        return
    text = block.get("text")
    if isinstance(text, str):
        hasher.add("t" + role, text, count_text_tokens(text))
    else:
        hasher.add("b" + role, canonical_json(block), count_converse_block_tokens(block))


def _check_conversation(messages: object) -> list[Mapping[str, object]]:
    if not isinstance(messages, list) or not messages:
        raise errors.validation(_START_WITH_USER)
    previous: str | None = None
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise errors.validation(f"messages.{index} must be an object.")
        role = message.get("role")
        if role not in _ROLES:
            raise _constraint(
                role, f"messages.{index}.member.role", "Member must satisfy enum value set: [user, assistant]"
            )
        if index == 0 and role != "user":
            raise errors.validation(_START_WITH_USER)
        if role == previous:
            raise errors.validation(
                "A conversation must alternate between user and assistant roles. "
                "Make sure the conversation alternates between user and assistant roles and try again."
            )
        previous = role
        content = message.get("content")
        if not isinstance(content, list):
            raise _constraint(content, f"messages.{index}.member.content", "Member must not be null")
        for position, block in enumerate(content):
            if not isinstance(block, Mapping) or not block:
                raise errors.validation(f"The ContentBlock object at messages.{index}.content.{position} is invalid.")
            reasoning = block.get("reasoningContent")
            if isinstance(reasoning, Mapping) and isinstance(reasoning.get("reasoningText"), Mapping):
                shown = reasoning["reasoningText"]
                if not thinking_mod.verify(str(shown.get("text", "")), shown.get("signature")):
                    raise _model_error(f"messages.{index}.content.{position}: Invalid `signature` in `thinking` block")
            text = block.get("text")
            if "text" in block and (not isinstance(text, str) or not text.strip()):
                raise errors.validation(
                    f"The text field in the ContentBlock object at messages.{index}.content.{position} is blank. "
                    "Add text to the text field, and try again."
                )
    return messages


def _model_error(message: str) -> errors.BedrockError:
    """What the model refuses, as Converse reports it: "The model returned the following errors: ..." (e.g.
    github.com/BerriAI/litellm/issues/15070, github.com/BerriAI/litellm/issues/13609)."""
    return errors.validation(f"The model returned the following errors: {message}")


# Keys the model accepts in additionalModelRequestFields (others: "<key>: Extra inputs are not permitted").
_ADDITIONAL_FIELDS = frozenset({"thinking", "anthropic_beta", "top_k", "output_config", "context_management"})


def _model_controls(
    body: Mapping[str, object], spec: ModelSpec, max_tokens: int, tool_mode: ToolChoiceMode
) -> messages_api.Thinking | None:
    inference = body.get("inferenceConfig")
    inference = inference if isinstance(inference, Mapping) else {}
    extra = body.get("additionalModelRequestFields")
    if extra is not None and not isinstance(extra, Mapping):
        raise errors.validation("The additionalModelRequestFields field must be a JSON object.")
    extra = extra or {}
    try:
        for key in extra:
            if key not in _ADDITIONAL_FIELDS:
                raise messages_api.RequestRejected(f"{key}: Extra inputs are not permitted")
        betas = extra.get("anthropic_beta") or []
        if not isinstance(betas, list) or not all(isinstance(b, str) for b in betas):
            raise messages_api.RequestRejected("anthropic_beta: Input should be a valid list")
        fields: dict[str, object] = {k: v for k, v in extra.items() if k in ("thinking", "output_config", "top_k")}
        if "temperature" in inference:
            fields["temperature"] = inference["temperature"]
        if "topP" in inference:
            fields["top_p"] = inference["topP"]
        return messages_api.model_controls(fields, spec, betas=betas, max_tokens=max_tokens, tool_mode=tool_mode)
    except messages_api.RequestRejected as rejected:
        raise _model_error(rejected.message) from None


def _uses_tools(messages: list[Mapping[str, object]]) -> bool:
    for message in messages:
        for block in message["content"]:  # type: ignore[union-attr]
            if "toolUse" in block or "toolResult" in block:
                return True
    return False


def _tool_choice(choice: object, tools: list[ToolDef]) -> tuple[ToolChoiceMode, str | None]:
    if not isinstance(choice, Mapping) or not choice:
        return "auto", None
    if "tool" in choice:
        spec = choice["tool"]
        name = spec.get("name") if isinstance(spec, Mapping) else None
        if not isinstance(name, str) or all(tool.name != name for tool in tools):
            raise errors.validation("The tool specified in toolChoice is not defined in toolConfig.tools.")
        return "tool", name
    if "any" in choice:
        return "any", None
    return "auto", None


def parse(body: Mapping[str, object], model: ModelSpec, *, count_only: bool = False) -> Prompt:
    """Validate a Converse request body (or CountTokens ``converse`` input) the way Bedrock does."""
    messages = _check_conversation(body.get("messages"))
    hasher = PrefixHasher()
    tools: list[ToolDef] = []
    tool_config = body.get("toolConfig")
    choice: tuple[ToolChoiceMode, str | None] = ("auto", None)
    if tool_config is not None:
        if (
            not isinstance(tool_config, Mapping)
            or not isinstance(tool_config.get("tools"), list)
            or not tool_config["tools"]
        ):
            raise _constraint(None, "toolConfig.tools", "Member must have length greater than or equal to 1")
        for entry in tool_config["tools"]:
            if isinstance(entry, Mapping) and "cachePoint" in entry:
                hasher.mark(_cache_ttl(entry["cachePoint"]))
                continue
            spec = entry.get("toolSpec") if isinstance(entry, Mapping) else None
            if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
                raise errors.validation("The toolSpec of each tool in toolConfig.tools must have a name.")
            schema = spec.get("inputSchema")
            json_schema = schema.get("json", {}) if isinstance(schema, Mapping) else {}
            tools.append(ToolDef(spec["name"], json_schema))
            hasher.add("tool", canonical_json(spec), count_converse_tool_tokens(entry))
        choice = _tool_choice(tool_config.get("toolChoice"), tools)
    elif _uses_tools(messages):
        raise errors.validation(
            "The toolConfig field must be defined when using toolUse and toolResult content blocks."
        )

    system = body.get("system")
    if system is not None:
        if not isinstance(system, list):
            raise _constraint(system, "system", "Member must be a list")
        for block in system:
            if not isinstance(block, Mapping):
                raise errors.validation("The SystemContentBlock objects in system are invalid.")
            _add_block(hasher, "s", block)
    for message in messages:
        role = "u" if message["role"] == "user" else "a"
        for block in message["content"]:  # type: ignore[union-attr]
            _add_block(hasher, role, block)

    if len(hasher.breakpoints) > MAX_CACHE_POINTS:
        raise errors.validation(
            f"A maximum of {MAX_CACHE_POINTS} cachePoint blocks may be provided. Found {len(hasher.breakpoints)}."
        )

    max_tokens = DEFAULT_MAX_TOKENS
    inference = body.get("inferenceConfig")
    if isinstance(inference, Mapping) and "maxTokens" in inference:
        value = inference["maxTokens"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise _constraint(value, "inferenceConfig.maxTokens", "Member must be an integer")
        if value < 1:
            raise _constraint(value, "inferenceConfig.maxTokens", "Member must have value greater than or equal to 1")
        max_tokens = value

    if not count_only and max_tokens > model.max_output_tokens:
        raise _model_error(
            f"max_tokens: {max_tokens} > {model.max_output_tokens}, which is the maximum allowed number of output "
            f"tokens for {model.name}"
        )
    if messages[-1]["role"] == "assistant" and not model.prefill and not count_only:
        raise _model_error(
            "This model does not support assistant message prefill. The conversation must end with a user message."
        )
    thinking = _model_controls(body, model, max_tokens, choice[0])
    last_user = next(m for m in reversed(messages) if m["role"] == "user")
    answers_tool_result = any("toolResult" in block for block in last_user["content"])  # type: ignore[union-attr]
    last_text = "\n".join(
        str(block["text"])
        for block in last_user["content"]
        if isinstance(block.get("text"), str)  # type: ignore[union-attr]
    )
    return Prompt(
        input_tokens=hasher.tokens,
        breakpoints=hasher.breakpoints,
        seed=hasher.seed(),
        max_tokens=max_tokens,
        tools=tools,
        tool_choice=choice[0],
        tool_choice_name=choice[1],
        answers_tool_result=answers_tool_result,
        thinking=thinking,
        last_user_text=last_text,
        tool_results=_tool_results(messages),
    )


def _tool_results(messages: list[Mapping[str, object]]) -> list[ToolResult]:
    """The tool results of the last user turn, with the names of the calls they answer."""
    names: dict[str, str] = {}
    for message in messages[:-1]:
        for block in message["content"]:  # type: ignore[union-attr]
            use = block.get("toolUse") if isinstance(block, Mapping) else None
            if isinstance(use, Mapping):
                names[str(use.get("toolUseId"))] = str(use.get("name"))
    results: list[ToolResult] = []
    for block in messages[-1]["content"]:  # type: ignore[union-attr]
        result = block.get("toolResult") if isinstance(block, Mapping) else None
        if isinstance(result, Mapping):
            content = result.get("content")
            text = (
                "\n".join(
                    str(item["text"])
                    for item in content
                    if isinstance(item, Mapping) and isinstance(item.get("text"), str)
                )
                if isinstance(content, list)
                else ""
            )
            results.append(ToolResult(names.get(str(result.get("toolUseId")), ""), text))
    return results


def _usage(answer: Answer, usage: CacheUsage) -> dict[str, int]:
    return {
        "inputTokens": usage.input_tokens,
        "outputTokens": answer.output_tokens,
        "totalTokens": usage.input_tokens + usage.cache_read + usage.cache_write + answer.output_tokens,
        "cacheReadInputTokens": usage.cache_read,
        "cacheWriteInputTokens": usage.cache_write,
    }


def tool_use_id(answer: Answer) -> str:
    return "tooluse_" + answer.tool_id_suffix


def render(answer: Answer, usage: CacheUsage, latency_ms: int) -> dict[str, object]:
    """The Converse response body."""
    content: list[object] = []
    if answer.has_thinking:
        content.append(
            {
                "reasoningContent": {
                    "reasoningText": {"text": answer.thinking_text, "signature": answer.thinking_signature}
                }
            }
        )
    if answer.is_tool_use:
        content.append(
            {"toolUse": {"toolUseId": tool_use_id(answer), "name": answer.tool_name, "input": answer.tool_input}}
        )
    elif answer.words:
        content.append({"text": answer.text})
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": answer.stop_reason,
        "usage": _usage(answer, usage),
        "metrics": {"latencyMs": latency_ms},
    }


def stream_frames(answer: Answer, usage: CacheUsage, timer: Timer) -> Iterator[Frame]:
    """The ConverseStream events: messageStart, [reasoning block], [contentBlockStart], contentBlockDelta…,
    contentBlockStop, messageStop, metadata. Generated lazily so metadata carries the real latency."""
    yield Frame(encode_event("messageStart", {"role": "assistant"}))
    index = 0
    if answer.has_thinking:
        shown = answer.thinking_text
        for delta in text_deltas(shown.split()) if shown else []:
            yield Frame(
                encode_event(
                    "contentBlockDelta",
                    {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": delta}}},
                ),
                1.0,
            )
        yield Frame(
            encode_event(
                "contentBlockDelta",
                {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": answer.thinking_signature}}},
            ),
            0.0 if shown else float(answer.thinking_tokens),
        )
        yield Frame(encode_event("contentBlockStop", {"contentBlockIndex": 0}))
        index = 1
    if answer.is_tool_use:
        yield Frame(
            encode_event(
                "contentBlockStart",
                {
                    "contentBlockIndex": index,
                    "start": {"toolUse": {"toolUseId": tool_use_id(answer), "name": answer.tool_name}},
                },
            )
        )
        pieces = split_json(canonical_json(answer.tool_input))
        weight = (answer.output_tokens - answer.thinking_tokens) / len(pieces)
        for piece in pieces:
            yield Frame(
                encode_event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}}),
                weight,
            )
        yield Frame(encode_event("contentBlockStop", {"contentBlockIndex": index}))
    elif answer.words:
        for delta in text_deltas(answer.words):
            yield Frame(encode_event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": delta}}), 1.0)
        yield Frame(encode_event("contentBlockStop", {"contentBlockIndex": index}))
    yield Frame(encode_event("messageStop", {"stopReason": answer.stop_reason}))
    yield Frame(
        encode_event("metadata", {"usage": _usage(answer, usage), "metrics": {"latencyMs": timer.elapsed_ms()}})
    )
