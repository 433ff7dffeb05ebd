"""The emulator's deterministic tokenizer. Every number the emulator reports comes from these functions.

Formula (documented in emulator/README.md, and importable by tests that predict usage):

* text: ``count_text_tokens(text) = 0`` for ``""``, else ``max(1, ceil(len(text.encode("utf-8")) / 4))``
* JSON values (tool inputs, tool schemas, unknown blocks): ``count_json_tokens(value)`` =
  ``count_text_tokens`` of the compact, key-sorted JSON (``separators=(",", ":")``, ``ensure_ascii=False``)
* a tool definition: ``count_tool_tokens(name, description, schema)`` =
  ``count_text_tokens(name) + count_text_tokens(description) + count_json_tokens(schema)``
  (the same for an Anthropic ``tools`` entry and a Converse ``toolSpec``)
* an image block: ``IMAGE_TOKENS`` (a constant; images are not decoded)
* a tool call (``tool_use`` / ``toolUse``): ``count_text_tokens(name) + count_json_tokens(input)``
* a tool result: the sum of its content (a string counts as text)
* cache breakpoints (``cache_control`` / ``cachePoint``) count 0; roles and message framing count 0
* input tokens of a request = tools + system + messages, summed block by block
* output tokens: one generated word = one token (``count_output_tokens``); a generated tool call counts
  like a tool call block in the input
"""

from __future__ import annotations

import json
from collections.abc import Mapping

IMAGE_TOKENS = 1000
"""Tokens counted for every image block (Anthropic ``image`` / Converse ``image``)."""


def count_text_tokens(text: str) -> int:
    """``max(1, ceil(utf-8 bytes / 4))`` for non-empty text, 0 for empty text."""
    if not text:
        return 0
    return max(1, (len(text.encode("utf-8", "surrogatepass")) + 3) // 4)


def canonical_json(value: object) -> str:
    """The JSON text token counts are computed from: compact, keys sorted, non-ASCII kept."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def count_json_tokens(value: object) -> int:
    return count_text_tokens(canonical_json(value))


def count_tool_tokens(name: str, description: str | None, schema: object) -> int:
    """A tool definition: name + description + JSON schema."""
    return count_text_tokens(name) + count_text_tokens(description or "") + count_json_tokens(schema)


def count_tool_use_tokens(name: str, tool_input: object) -> int:
    """A tool call, in the input (history) or generated as output."""
    return count_text_tokens(name) + count_json_tokens(tool_input)


def count_output_tokens(text: str) -> int:
    """Generated text: every whitespace-separated word is exactly one token."""
    return len(text.split())


def _without(block: Mapping[str, object], key: str) -> dict[str, object]:
    return {k: v for k, v in block.items() if k != key}


# ---------------------------------------------------------------------------------------------- Anthropic


def count_anthropic_block_tokens(block: object) -> int:
    """One Anthropic Messages content block (``text``, ``image``, ``tool_use``, ``tool_result``, others)."""
    if isinstance(block, str):
        return count_text_tokens(block)
    if not isinstance(block, Mapping):
        return count_json_tokens(block)
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        return count_text_tokens(text if isinstance(text, str) else "")
    if kind == "image":
        return IMAGE_TOKENS
    if kind in ("thinking", "redacted_thinking"):
        return 0  # thinking of earlier turns is not read again as input
    if kind == "tool_use":
        return count_tool_use_tokens(str(block.get("name", "")), block.get("input", {}))
    if kind == "tool_result":
        content = block.get("content", "")
        if isinstance(content, str):
            return count_text_tokens(content)
        if isinstance(content, list):
            return sum(count_anthropic_block_tokens(item) for item in content)
        return 0
    return count_json_tokens(_without(block, "cache_control"))


def count_anthropic_content_tokens(content: object) -> int:
    """A message's ``content`` (string or list of blocks) or a ``system`` value."""
    if isinstance(content, str):
        return count_text_tokens(content)
    if isinstance(content, list):
        return sum(count_anthropic_block_tokens(block) for block in content)
    return 0


def count_anthropic_tool_tokens(tool: object) -> int:
    """One entry of Anthropic ``tools``; server tools without ``input_schema`` count as their JSON."""
    if isinstance(tool, Mapping) and "input_schema" in tool:
        description = tool.get("description")
        return count_tool_tokens(
            str(tool.get("name", "")), description if isinstance(description, str) else "", tool["input_schema"]
        )
    if isinstance(tool, Mapping):
        return count_json_tokens(_without(tool, "cache_control"))
    return count_json_tokens(tool)


def count_anthropic_input_tokens(body: Mapping[str, object]) -> int:
    """Input tokens of an Anthropic Messages body (InvokeModel): tools + system + messages."""
    total = 0
    tools = body.get("tools")
    if isinstance(tools, list):
        total += sum(count_anthropic_tool_tokens(tool) for tool in tools)
    total += count_anthropic_content_tokens(body.get("system"))
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, Mapping):
                total += count_anthropic_content_tokens(message.get("content"))
    return total


# ----------------------------------------------------------------------------------------------- Converse


def count_converse_block_tokens(block: object) -> int:
    """One Converse content block (``text``, ``image``, ``toolUse``, ``toolResult``, ``cachePoint``, others)."""
    if not isinstance(block, Mapping):
        return count_json_tokens(block)
    if "text" in block:
        text = block["text"]
        return count_text_tokens(text if isinstance(text, str) else "")
    if "cachePoint" in block:
        return 0
    if "image" in block:
        return IMAGE_TOKENS
    if "toolUse" in block:
        tool_use = block["toolUse"]
        if isinstance(tool_use, Mapping):
            return count_tool_use_tokens(str(tool_use.get("name", "")), tool_use.get("input", {}))
        return 0
    if "toolResult" in block:
        result = block["toolResult"]
        content = result.get("content", []) if isinstance(result, Mapping) else []
        return sum(count_converse_block_tokens(item) for item in content) if isinstance(content, list) else 0
    if "json" in block:
        return count_json_tokens(block["json"])
    return count_json_tokens(block)


def count_converse_tool_tokens(tool: object) -> int:
    """One entry of Converse ``toolConfig.tools`` (``toolSpec`` or ``cachePoint``)."""
    if not isinstance(tool, Mapping):
        return count_json_tokens(tool)
    if "cachePoint" in tool:
        return 0
    spec = tool.get("toolSpec")
    if isinstance(spec, Mapping):
        schema = spec.get("inputSchema", {})
        json_schema = schema.get("json", {}) if isinstance(schema, Mapping) else {}
        description = spec.get("description")
        return count_tool_tokens(
            str(spec.get("name", "")), description if isinstance(description, str) else "", json_schema
        )
    return count_json_tokens(tool)


def count_converse_input_tokens(body: Mapping[str, object]) -> int:
    """Input tokens of a Converse body (or CountTokens ``converse`` input): tools + system + messages."""
    total = 0
    tool_config = body.get("toolConfig")
    if isinstance(tool_config, Mapping) and isinstance(tool_config.get("tools"), list):
        total += sum(count_converse_tool_tokens(tool) for tool in tool_config["tools"])
    system = body.get("system")
    if isinstance(system, list):
        total += sum(count_converse_block_tokens(block) for block in system)
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, Mapping) and isinstance(message.get("content"), list):
                total += sum(count_converse_block_tokens(block) for block in message["content"])
    return total
