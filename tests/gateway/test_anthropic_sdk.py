"""The official Anthropic SDK on /v1/messages (what Claude Code speaks) against the real gateway."""

from __future__ import annotations

import anthropic

from bedrock_emulator import tokens

LONG_SYSTEM = "You are a meticulous assistant for a large codebase. " * 120


def test_messages_plain(claude: anthropic.Anthropic) -> None:
    m = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=64,
        messages=[{"role": "user", "content": "Hello [emulator output_tokens=5]"}],
    )
    assert m.type == "message" and m.role == "assistant"
    assert m.stop_reason == "end_turn"
    assert len(m.content[0].text.split()) == 5
    assert m.usage.output_tokens == 5
    assert m.usage.input_tokens > 0


def test_messages_dated_model_id(claude: anthropic.Anthropic) -> None:
    m = claude.messages.create(
        model="claude-haiku-4-5-20251001", max_tokens=16, messages=[{"role": "user", "content": "hi"}]
    )
    assert m.content[0].text


def test_messages_streamed(claude: anthropic.Anthropic) -> None:
    with claude.messages.stream(
        model="claude-haiku-4-5",
        max_tokens=64,
        messages=[{"role": "user", "content": "Stream please [emulator output_tokens=9]"}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert len(text.split()) == 9
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 9


def test_messages_tool_use(claude: anthropic.Anthropic) -> None:
    tool = {
        "name": "read_file",
        "description": "Read a file of the repository",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    }
    m = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=128,
        tools=[tool],
        tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "Open the README"}],
    )
    assert m.stop_reason == "tool_use"
    use = next(b for b in m.content if b.type == "tool_use")
    assert use.name == "read_file" and "path" in use.input

    m2 = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=64,
        tools=[tool],
        messages=[
            {"role": "user", "content": "Open the README"},
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in m.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "# Gateway"}]},
        ],
    )
    assert m2.stop_reason == "end_turn"


def test_prompt_caching_writes_then_reads(claude: anthropic.Anthropic) -> None:
    # A prefix unique to this test run, so the emulator's cache has not seen it yet.
    system = [{"type": "text", "text": LONG_SYSTEM + str(id(claude)), "cache_control": {"type": "ephemeral"}}]
    ask = {"model": "claude-haiku-4-5", "max_tokens": 16, "system": system}
    first = claude.messages.create(**ask, messages=[{"role": "user", "content": "first question"}])
    second = claude.messages.create(**ask, messages=[{"role": "user", "content": "second question"}])
    cached = tokens.count_text_tokens(system[0]["text"])
    assert first.usage.cache_creation_input_tokens == cached
    assert not first.usage.cache_read_input_tokens
    assert second.usage.cache_read_input_tokens == cached
    assert not second.usage.cache_creation_input_tokens


def test_count_tokens(claude: anthropic.Anthropic) -> None:
    text = "How many tokens is this sentence, exactly?"
    r = claude.messages.count_tokens(model="claude-sonnet-4-5", messages=[{"role": "user", "content": text}])
    assert r.input_tokens >= tokens.count_text_tokens(text)
    longer = claude.messages.count_tokens(model="claude-sonnet-4-5", messages=[{"role": "user", "content": text * 10}])
    assert longer.input_tokens > r.input_tokens
