"""The Anthropic Messages request as Claude on Bedrock validates it, and the Prompt the emulator answers.

Used by InvokeModel / InvokeModelWithResponseStream and CountTokens (bedrock-runtime, body with
``anthropic_version`` and ``anthropic_beta``) and by the bedrock-mantle Anthropic endpoint (``model`` in the
body, betas in the ``anthropic-beta`` header). The structural checks Bedrock's own JSON schema makes first
(required keys, types, ``model``/``stream`` on bedrock-runtime) live in invoke.py; everything here is what the
model side refuses, worded as Claude words it.

Strictness, with sources:

* Unknown fields anywhere the Messages API has a closed shape: "<path>: Extra inputs are not permitted"
  (Bedrock users report e.g. "output_config.effort: Extra inputs are not permitted",
  github.com/anthropics/claude-code-action/issues/1005; "messages.27.content.0.text.citations: Extra inputs are
  not permitted", github.com/anthropics/claude-code/issues/146).
* A beta the request body names that Bedrock does not know: "invalid beta flag" (400 ValidationException;
  github.com/anthropics/claude-code/issues/56595, github.com/BerriAI/litellm/pull/19877). A body field whose
  beta is missing is an unknown field (the pairs in BETA_FIELDS).
* Sampling, thinking, prefill and mid-conversation system turns per model: catalog.py.
* Tool calls and results must pair up, thinking blocks must come back with the signature this emulator gave
  them (Anthropic API error wording).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import thinking as thinking_mod
from .catalog import ModelSpec
from .prompt import DEFAULT_CACHE_TTL_S, ONE_HOUR_S, PrefixHasher, Prompt, Thinking, ToolChoiceMode, ToolDef, ToolResult
from .tokens import canonical_json, count_anthropic_block_tokens, count_anthropic_tool_tokens, count_text_tokens

MAX_CACHE_CONTROL_BLOCKS = 4
STANDARD_CONTEXT_TOKENS = 200_000

# Betas Bedrock accepts in ``anthropic_beta`` (AWS "Anthropic Claude Messages API" request parameters, as listed
# in github.com/BerriAI/litellm/pull/19877, plus the betas Bedrock added since, each verified against Bedrock by
# LiteLLM's maintainers in its "bedrock" beta-header map, e.g. github.com/BerriAI/litellm/pull/41203).
# ``claude-code-20250219`` is not one of them: Bedrock answers "invalid beta flag"
# (github.com/anthropics/claude-code/issues/49648).
BEDROCK_BETAS: frozenset[str] = frozenset(
    {
        "computer-use-2024-10-22",
        "computer-use-2025-01-24",
        "computer-use-2025-11-24",
        "token-efficient-tools-2025-02-19",
        "interleaved-thinking-2025-05-14",
        "output-128k-2025-02-19",
        "dev-full-thinking-2025-05-14",
        "context-1m-2025-08-07",
        "context-management-2025-06-27",
        "effort-2025-11-24",
        "tool-search-tool-2025-10-19",
        "tool-examples-2025-10-29",
        "fine-grained-tool-streaming-2025-05-14",
        "compact-2026-01-12",
        "dangerous-tool-use-2026-09-03",
        "thinking-binding-controls-2026-08-01",
        "mid-conversation-output-config-2026-07-01",
        "mid-conversation-tool-changes-2026-07-01",
        "thinking-display-updates-2026-08-18",
    }
)
# Betas Bedrock refuses on particular models although it knows them (github.com/BerriAI/litellm/pull/41203:
# "invalid beta flag" for thinking-binding-controls on Claude Sonnet 4.5).
BETA_REFUSED_ON: Mapping[str, frozenset[str]] = {
    "thinking-binding-controls-2026-08-01": frozenset({"anthropic.claude-sonnet-4-5-20250929-v1:0"}),
}

# The body features that exist only with a beta: without it, the field is unknown to the model.
TOOL_SEARCH_BETA = "tool-search-tool-2025-10-19"
BETA_FIELDS: Mapping[str, str] = {
    "context_management (clear_tool_uses_20250919)": "context-management-2025-06-27",
    "context_management (compact_20260112)": "compact-2026-01-12",
    "tools[].defer_loading": TOOL_SEARCH_BETA,
    "tools[] tool_search_tool_*": TOOL_SEARCH_BETA,
    "tools[].input_examples": "tool-examples-2025-10-29",
    "tools[].eager_input_streaming": "fine-grained-tool-streaming-2025-05-14",
    "output_config.effort (Opus 4.5)": "effort-2025-11-24",
    "thinking.display=updates": "thinking-display-updates-2026-08-18",
    "messages[].output_config": "mid-conversation-output-config-2026-07-01",
    "system turn with tool_addition/tool_removal": "mid-conversation-tool-changes-2026-07-01",
    "safeguards": "dangerous-tool-use-2026-09-03",
    "input over 200k tokens (Sonnet 4.5)": "context-1m-2025-08-07",
}

CONTEXT_MANAGEMENT_EDITS: Mapping[str, str] = {
    "clear_tool_uses_20250919": "context-management-2025-06-27",
    "compact_20260112": "compact-2026-01-12",
}
TOOL_SEARCH_TYPES = frozenset({"tool_search_tool_regex_20251119", "tool_search_tool_bm25_20251119"})
SERVER_TOOL_TYPES = frozenset(
    {
        "bash_20241022",
        "bash_20250124",
        "text_editor_20250124",
        "text_editor_20250429",
        "text_editor_20250728",
        "computer_20241022",
        "computer_20250124",
        "computer_20251124",
        "memory_20250818",
        *TOOL_SEARCH_TYPES,
    }
)

_TOP_LEVEL = frozenset(
    {
        "anthropic_version",
        "anthropic_beta",
        "max_tokens",
        "messages",
        "system",
        "stop_sequences",
        "temperature",
        "top_p",
        "top_k",
        "tools",
        "tool_choice",
        "thinking",
        "metadata",
        "output_config",
        "context_management",
        "safeguards",
    }
)
_MANTLE_TOP_LEVEL = (_TOP_LEVEL - {"anthropic_version", "anthropic_beta"}) | {"model", "stream", "service_tier"}
_COUNT_TOKENS_TOP_LEVEL = frozenset(
    {"model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "context_management"}
)
_CUSTOM_TOOL_KEYS = frozenset(
    {
        "name",
        "description",
        "input_schema",
        "cache_control",
        "type",
        "defer_loading",
        "input_examples",
        "eager_input_streaming",
        "strict",
        "allowed_callers",
    }
)
_BLOCK_KEYS: Mapping[str, frozenset[str]] = {
    "text": frozenset({"type", "text", "cache_control", "citations"}),
    "image": frozenset({"type", "source", "cache_control"}),
    "document": frozenset({"type", "source", "title", "context", "citations", "cache_control"}),
    "tool_use": frozenset({"type", "id", "name", "input", "cache_control", "caller"}),
    "tool_result": frozenset({"type", "tool_use_id", "content", "is_error", "cache_control"}),
    "thinking": frozenset({"type", "thinking", "signature"}),
    "redacted_thinking": frozenset({"type", "data"}),
    "search_result": frozenset({"type", "source", "title", "content", "citations", "cache_control"}),
    "server_tool_use": frozenset({"type", "id", "name", "input", "cache_control"}),
    "tool_search_tool_result": frozenset({"type", "tool_use_id", "content", "cache_control"}),
    "tool_reference": frozenset({"type", "tool_name", "cache_control"}),
}
_SYSTEM_TURN_BLOCKS: Mapping[str, frozenset[str]] = {
    "text": _BLOCK_KEYS["text"],
    "tool_addition": frozenset({"type", "tool"}),
    "tool_removal": frozenset({"type", "tool"}),
}
_CACHE_CONTROL_KEYS = frozenset({"type", "ttl"})
_THINKING_DISPLAYS = ("summarized", "omitted", "updates")
_TOOL_CHOICES: tuple[ToolChoiceMode, ...] = ("auto", "any", "tool", "none")


class RequestRejected(Exception):
    """A request Claude refuses: 400 with this message (invalid_request_error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _extra(path: str) -> RequestRejected:
    return RequestRejected(f"{path}: Extra inputs are not permitted")


def _tags(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


def _bad_tag(path: str, tag: object, expected: Iterable[str]) -> RequestRejected:
    return RequestRejected(
        f"{path}: Input tag '{tag}' found using 'type' does not match any of the expected tags: {_tags(expected)}"
    )


def _literal(path: str, allowed: Sequence[str]) -> RequestRejected:
    quoted = [f"'{value}'" for value in allowed]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
    return RequestRejected(f"{path}: Input should be {listed}")


def _check_keys(value: Mapping[str, object], allowed: frozenset[str], path: str) -> None:
    for key in value:
        if key not in allowed:
            raise _extra(f"{path}.{key}" if path else key)


@dataclass(frozen=True, slots=True)
class Surface:
    """Where the request arrived: bedrock-runtime InvokeModel (default), its CountTokens, or bedrock-mantle."""

    mantle: bool = False
    count_only: bool = False

    def top_level(self) -> frozenset[str]:
        if self.count_only and self.mantle:
            return _COUNT_TOKENS_TOP_LEVEL
        return _MANTLE_TOP_LEVEL if self.mantle else _TOP_LEVEL


RUNTIME = Surface()


def check_betas(betas: Sequence[str], spec: ModelSpec) -> frozenset[str]:
    for beta in betas:
        if beta not in BEDROCK_BETAS or spec.base_id in BETA_REFUSED_ON.get(beta, frozenset()):
            raise RequestRejected("invalid beta flag")
    return frozenset(betas)


def _cache_ttl(block: Mapping[str, object], path: str) -> float | None:
    control = block.get("cache_control")
    if control is None:
        return None
    if not isinstance(control, Mapping):
        raise RequestRejected(f"{path}.cache_control: Input should be a valid dictionary or object")
    _check_keys(control, _CACHE_CONTROL_KEYS, f"{path}.cache_control")
    if control.get("type") != "ephemeral":
        raise _bad_tag(f"{path}.cache_control", control.get("type"), ["ephemeral"])
    ttl = control.get("ttl")
    if ttl is not None and ttl not in ("5m", "1h"):
        raise _literal(f"{path}.cache_control.ttl", ["5m", "1h"])
    return ONE_HOUR_S if ttl == "1h" else DEFAULT_CACHE_TTL_S


def _add_block(hasher: PrefixHasher, role: str, block: Mapping[str, object], path: str) -> None:
    if block.get("type") == "text" and isinstance(block.get("text"), str):
        text = block["text"]
        hasher.add("t" + role, text, count_text_tokens(text))
    elif block.get("type") in ("thinking", "redacted_thinking"):
        hasher.add("b" + role, canonical_json(block), 0)  # earlier turns' thinking is not re-read as input
    else:
        stripped = {k: v for k, v in block.items() if k != "cache_control"}
        hasher.add("b" + role, canonical_json(stripped), count_anthropic_block_tokens(block))
    ttl = _cache_ttl(block, path)
    if ttl is not None:
        hasher.mark(ttl)


@dataclass
class _Context:
    spec: ModelSpec
    betas: frozenset[str]
    surface: Surface

    def needs(self, beta: str, path: str) -> None:
        if beta not in self.betas:
            raise _extra(path)


def _check_tools(body: Mapping[str, object], hasher: PrefixHasher, ctx: _Context) -> list[ToolDef]:
    tools = body.get("tools")
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise RequestRejected("tools: Input should be a valid list")
    defs: list[ToolDef] = []
    for index, tool in enumerate(tools):
        path = f"tools.{index}"
        if not isinstance(tool, Mapping):
            raise RequestRejected(f"{path}: Input should be a valid dictionary or object")
        kind = tool.get("type", "custom")
        if kind in TOOL_SEARCH_TYPES:
            ctx.needs(TOOL_SEARCH_BETA, path)
        elif kind not in SERVER_TOOL_TYPES and kind != "custom":
            raise _bad_tag(path, kind, [*SERVER_TOOL_TYPES, "custom"])
        if kind == "custom":
            _check_keys(tool, _CUSTOM_TOOL_KEYS, path)
            if not isinstance(tool.get("name"), str) or not tool["name"]:
                raise RequestRejected(f"{path}.name: Field required")
            if not isinstance(tool.get("input_schema"), Mapping):
                raise RequestRejected(f"{path}.input_schema: Field required")
            for field, beta in (
                ("defer_loading", TOOL_SEARCH_BETA),
                ("input_examples", "tool-examples-2025-10-29"),
                ("eager_input_streaming", "fine-grained-tool-streaming-2025-05-14"),
            ):
                if field in tool:
                    ctx.needs(beta, f"{path}.{field}")
            defs.append(ToolDef(str(tool["name"]), tool["input_schema"]))
        stripped = {k: v for k, v in tool.items() if k != "cache_control"}
        hasher.add("tool", canonical_json(stripped), count_anthropic_tool_tokens(tool))
        ttl = _cache_ttl(tool, path)
        if ttl is not None:
            hasher.mark(ttl)
    return defs


def _check_system(body: Mapping[str, object], hasher: PrefixHasher) -> None:
    system = body.get("system")
    if system is None:
        return
    if isinstance(system, str):
        hasher.add("ts", system, count_text_tokens(system))
        return
    if not isinstance(system, list):
        raise RequestRejected("system: Input should be a valid list")
    for index, block in enumerate(system):
        path = f"system.{index}"
        if not isinstance(block, Mapping) or block.get("type") != "text":
            raise _bad_tag(path, block.get("type") if isinstance(block, Mapping) else None, ["text"])
        _check_keys(block, _BLOCK_KEYS["text"], path)
        if not isinstance(block.get("text"), str) or not block["text"]:
            raise RequestRejected("system: text content blocks must be non-empty")
        _add_block(hasher, "s", block, path)


def _tool_use_ids(content: object) -> dict[str, str]:
    if not isinstance(content, list):
        return {}
    return {
        str(block.get("id")): str(block.get("name"))
        for block in content
        if isinstance(block, Mapping) and block.get("type") in ("tool_use", "server_tool_use")
    }


def _tool_result_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(item.get("text", "")) for item in content if isinstance(item, Mapping) and item.get("type") == "text"
        )
    return ""


def _role_tag(role: object) -> str:
    return {"user": "u", "assistant": "a", "system": "y"}.get(str(role), "?")


def _check_message_blocks(
    index: int, role: str, content: list[object], hasher: PrefixHasher, ctx: _Context
) -> list[Mapping[str, object]]:
    blocks: list[Mapping[str, object]] = []
    allowed = _SYSTEM_TURN_BLOCKS if role == "system" else _BLOCK_KEYS
    for position, block in enumerate(content):
        path = f"messages.{index}.content.{position}"
        if not isinstance(block, Mapping):
            raise RequestRejected(f"{path}: Input should be a valid dictionary or object")
        kind = block.get("type")
        if kind not in allowed:
            raise _bad_tag(path, kind, allowed)
        _check_keys(block, allowed[str(kind)], path)
        if kind == "text" and not block.get("text"):
            raise RequestRejected("messages: text content blocks must be non-empty")
        if kind in ("tool_addition", "tool_removal"):
            ctx.needs("mid-conversation-tool-changes-2026-07-01", path)
        if kind == "thinking" and not thinking_mod.verify(str(block.get("thinking", "")), block.get("signature")):
            raise RequestRejected(f"{path}: Invalid `signature` in `thinking` block")
        _add_block(hasher, _role_tag(role), block, path)
        blocks.append(block)
    return blocks


def _check_messages(messages: list[object], hasher: PrefixHasher, ctx: _Context) -> tuple[bool, str, list[ToolResult]]:
    """Validates and hashes the turns; returns (last user turn answers a tool call, its text, its tool results)."""
    last_text = ""
    last_results: list[ToolResult] = []
    answers_tool_result = False
    pending_tool_uses: dict[str, str] = {}
    pending_at = -1
    previous_tool_uses: dict[str, str] = {}
    for index, message in enumerate(messages):
        path = f"messages.{index}"
        if not isinstance(message, Mapping):
            raise RequestRejected(f"{path}: Input should be a valid dictionary or object")
        role = message.get("role")
        if role == "system":
            if index == 0:
                raise RequestRejected(f"{path}: use the top-level 'system' parameter for the initial system prompt")
            if not ctx.spec.mid_conversation_system:
                raise RequestRejected(f"{path}: role 'system' is not supported on this model")
        elif role not in ("user", "assistant"):
            raise _literal(f"{path}.role", ["user", "assistant"])
        _check_keys(message, frozenset({"role", "content", "output_config"}), path)
        if "output_config" in message:
            ctx.needs("mid-conversation-output-config-2026-07-01", f"{path}.output_config")
        content = message.get("content")
        is_last = index == len(messages) - 1
        if isinstance(content, str):
            if not content and not (is_last and role == "assistant"):
                raise RequestRejected(
                    "messages: all messages must have non-empty content except for the optional final assistant message"
                )
            hasher.add("t" + _role_tag(role), content, count_text_tokens(content))
            blocks: list[Mapping[str, object]] = [{"type": "text", "text": content}]
        elif isinstance(content, list):
            blocks = _check_message_blocks(index, str(role), content, hasher, ctx)
        else:
            raise RequestRejected(f"{path}.content: Input should be a valid list")

        if role == "system":
            continue
        results = [b for b in blocks if b.get("type") == "tool_result"]
        if pending_tool_uses and role == "user":
            answered = {str(b.get("tool_use_id")) for b in results}
            missing = [tool_id for tool_id in pending_tool_uses if tool_id not in answered]
            if missing:
                raise RequestRejected(
                    f"messages.{pending_at}: `tool_use` ids were found without `tool_result` blocks immediately "
                    f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` "
                    "block in the next message."
                )
        for position, block in enumerate(blocks):
            if block.get("type") == "tool_result" and str(block.get("tool_use_id")) not in previous_tool_uses:
                raise RequestRejected(
                    f"messages.{index}.content.{position}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` "
                    "block in the previous message."
                )
        if role == "user":
            answers_tool_result = bool(results)
            last_text = "\n".join(str(b.get("text")) for b in blocks if b.get("type") == "text")
            last_results = [
                ToolResult(previous_tool_uses.get(str(b.get("tool_use_id")), ""), _tool_result_text(b.get("content")))
                for b in results
            ]
            previous_tool_uses = {}
            pending_tool_uses = {}
        else:
            previous_tool_uses = _tool_use_ids(blocks)
            pending_tool_uses = dict(previous_tool_uses)
            pending_at = index
    return answers_tool_result, last_text, last_results


def _check_sampling(body: Mapping[str, object], ctx: _Context, thinking_on: bool) -> None:
    present = [name for name in ("temperature", "top_p", "top_k") if name in body]
    if ctx.spec.sampling == "none" and present:
        raise RequestRejected(f"{present[0]} is deprecated for this model.")
    if "temperature" in body and "top_p" in body:
        raise RequestRejected("`temperature` and `top_p` cannot both be specified for this model. Please use only one.")
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if name in body and (isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1):
            raise RequestRejected(f"{name}: Input should be less than or equal to 1")
    if thinking_on and "temperature" in body and body["temperature"] != 1:
        raise RequestRejected("`temperature` may only be set to 1 when thinking is enabled or in adaptive mode.")
    if thinking_on and "top_k" in body:
        raise RequestRejected("`top_k` is not supported when thinking is enabled.")


def _effort(body: Mapping[str, object], ctx: _Context) -> str:
    config = body.get("output_config")
    if config is None:
        return "high"
    if not isinstance(config, Mapping):
        raise RequestRejected("output_config: Input should be a valid dictionary or object")
    _check_keys(config, frozenset({"effort", "format"}), "output_config")
    effort = config.get("effort")
    if effort is None:
        return "high"
    if not ctx.spec.effort:
        raise _extra("output_config.effort")
    if ctx.spec.effort_beta:
        ctx.needs("effort-2025-11-24", "output_config.effort")
    if effort not in ctx.spec.effort:
        raise _literal("output_config.effort", ctx.spec.effort)
    return str(effort)


def _thinking(body: Mapping[str, object], ctx: _Context, max_tokens: int, effort: str) -> Thinking | None:
    spec = ctx.spec
    config = body.get("thinking")
    if config is None:
        return Thinking(display="summarized", effort=effort) if spec.thinking_always_on else None
    if not isinstance(config, Mapping):
        raise RequestRejected("thinking: Input should be a valid dictionary or object")
    kind = config.get("type")
    if kind == "enabled":
        _check_keys(config, frozenset({"type", "budget_tokens", "display"}), "thinking")
        if spec.adaptive_only:
            raise RequestRejected(
                '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
                '"output_config.effort" to control thinking behavior.'
            )
        budget = config.get("budget_tokens")
        if isinstance(budget, bool) or not isinstance(budget, int):
            raise RequestRejected("thinking.enabled.budget_tokens: Field required")
        if budget < 1024:
            raise RequestRejected("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
        if budget >= max_tokens:
            raise RequestRejected("`max_tokens` must be greater than `thinking.budget_tokens`.")
        return Thinking(display=_display(config, ctx), budget_tokens=budget, effort=effort)
    if kind == "adaptive":
        _check_keys(config, frozenset({"type", "display"}), "thinking")
        if not spec.thinking_adaptive:
            # Wording modelled on the adaptive-only refusal above; Bedrock's exact text is not documented.
            raise RequestRejected(
                '"thinking.type.adaptive" is not supported for this model. Use "thinking.type.enabled".'
            )
        return Thinking(display=_display(config, ctx), effort=effort)
    if kind == "disabled":
        _check_keys(config, frozenset({"type"}), "thinking")
        if spec.thinking_always_on:
            # Same form as above; the model cards say thinking cannot be switched off on these models.
            raise RequestRejected('"thinking.type.disabled" is not supported for this model.')
        return None
    raise _bad_tag("thinking", kind, ["adaptive", "disabled", "enabled"])


def _display(config: Mapping[str, object], ctx: _Context) -> str:
    display = config.get("display", "summarized")
    if display not in _THINKING_DISPLAYS:
        raise _literal("thinking.display", _THINKING_DISPLAYS)
    if display == "updates":
        ctx.needs("thinking-display-updates-2026-08-18", "thinking.display")
    return str(display)


def _tool_choice(body: Mapping[str, object], tools: list[ToolDef]) -> tuple[ToolChoiceMode, str | None]:
    choice = body.get("tool_choice")
    if choice is None:
        return "auto", None
    if not isinstance(choice, Mapping):
        raise RequestRejected("tool_choice: Input should be a valid dictionary or object")
    kind = choice.get("type")
    if kind not in _TOOL_CHOICES:
        raise _bad_tag("tool_choice", kind, _TOOL_CHOICES)
    _check_keys(choice, frozenset({"type", "name", "disable_parallel_tool_use"}), "tool_choice")
    if kind == "tool":
        name = choice.get("name")
        if not isinstance(name, str):
            raise RequestRejected("tool_choice.tool.name: Field required")
        if all(tool.name != name for tool in tools):
            raise RequestRejected(f"tool_choice: Tool '{name}' not found in tools")
        return "tool", name
    return kind, None  # type: ignore[return-value]


def _check_context_management(body: Mapping[str, object], ctx: _Context) -> None:
    config = body.get("context_management")
    if config is None:
        return
    if not ({"context-management-2025-06-27", "compact-2026-01-12"} & ctx.betas):
        raise _extra("context_management")
    if not isinstance(config, Mapping):
        raise RequestRejected("context_management: Input should be a valid dictionary or object")
    _check_keys(config, frozenset({"edits"}), "context_management")
    edits = config.get("edits")
    if not isinstance(edits, list):
        raise RequestRejected("context_management.edits: Input should be a valid list")
    for index, edit in enumerate(edits):
        kind = edit.get("type") if isinstance(edit, Mapping) else None
        if kind not in CONTEXT_MANAGEMENT_EDITS:
            raise _bad_tag(f"context_management.edits.{index}", kind, CONTEXT_MANAGEMENT_EDITS)
        ctx.needs(CONTEXT_MANAGEMENT_EDITS[str(kind)], f"context_management.edits.{index}")


def _check_metadata(body: Mapping[str, object]) -> None:
    metadata = body.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, Mapping):
        raise RequestRejected("metadata: Input should be a valid dictionary or object")
    _check_keys(metadata, frozenset({"user_id"}), "metadata")
    user_id = metadata.get("user_id")
    if user_id is not None and (not isinstance(user_id, str) or len(user_id) > 512):
        raise RequestRejected("metadata.user_id: String should have at most 512 characters")


def _controls(
    fields: Mapping[str, object], ctx: _Context, max_tokens: int, tool_mode: ToolChoiceMode
) -> Thinking | None:
    effort = _effort(fields, ctx)
    thinking = _thinking(fields, ctx, max_tokens, effort)
    _check_sampling(fields, ctx, thinking is not None)
    if thinking is not None and tool_mode in ("any", "tool"):
        raise RequestRejected("Thinking may not be enabled when tool_choice forces tool use.")
    return thinking


def model_controls(
    fields: Mapping[str, object], spec: ModelSpec, *, betas: Sequence[str], max_tokens: int, tool_mode: ToolChoiceMode
) -> Thinking | None:
    """Effort, thinking and sampling of a request expressed in Messages field names (``thinking``,
    ``output_config``, ``temperature``, ``top_p``, ``top_k``): the Converse API passes the same controls to the model
    through ``inferenceConfig`` and ``additionalModelRequestFields``."""
    return _controls(fields, _Context(spec, check_betas(betas, spec), RUNTIME), max_tokens, tool_mode)


def validate(
    body: Mapping[str, object],
    spec: ModelSpec,
    *,
    max_tokens: int,
    betas: Sequence[str] = (),
    surface: Surface = RUNTIME,
) -> Prompt:
    """Check an Anthropic Messages body as Claude on Bedrock does; the Prompt it describes."""
    ctx = _Context(spec, check_betas(betas, spec), surface)
    _check_keys(body, surface.top_level(), "")
    if not surface.count_only and max_tokens > spec.max_output_tokens:
        raise RequestRejected(
            f"max_tokens: {max_tokens} > {spec.max_output_tokens}, which is the maximum allowed number of output "
            f"tokens for {spec.name}"
        )
    if "safeguards" in body:
        ctx.needs("dangerous-tool-use-2026-09-03", "safeguards")
    _check_metadata(body)
    _check_context_management(body, ctx)
    hasher = PrefixHasher()
    tools = _check_tools(body, hasher, ctx)
    _check_system(body, hasher)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestRejected("messages: List should have at least 1 item after validation, not 0")
    answers_tool_result, last_text, tool_results = _check_messages(messages, hasher, ctx)
    last_role = messages[-1].get("role") if isinstance(messages[-1], Mapping) else None
    if last_role == "assistant" and not spec.prefill and not surface.count_only:
        raise RequestRejected(
            "This model does not support assistant message prefill. The conversation must end with a user message."
        )
    if len(hasher.breakpoints) > MAX_CACHE_CONTROL_BLOCKS:
        raise RequestRejected(
            f"A maximum of {MAX_CACHE_CONTROL_BLOCKS} blocks with cache_control may be provided. "
            f"Found {len(hasher.breakpoints)}."
        )
    mode, name = _tool_choice(body, tools)
    thinking = _controls(body, ctx, max_tokens, mode)
    limit = spec.context_tokens
    if spec.context_1m_beta and "context-1m-2025-08-07" in ctx.betas:
        limit = 1_000_000
    if hasher.tokens > limit:
        raise RequestRejected(f"prompt is too long: {hasher.tokens} tokens > {limit} maximum")
    return Prompt(
        input_tokens=hasher.tokens,
        breakpoints=hasher.breakpoints,
        seed=hasher.seed(),
        max_tokens=max_tokens,
        tools=tools,
        tool_choice=mode,
        tool_choice_name=name,
        answers_tool_result=answers_tool_result,
        thinking=thinking,
        last_user_text=last_text,
        tool_results=tool_results,
    )
