"""Pure functions of the emulator: tokenizer, directives, model ids, prompt cache, deterministic output."""

from __future__ import annotations

import pytest

from bedrock_emulator import __version__, catalog, converse, directives, errors, faults, generate, invoke, tokens
from bedrock_emulator.cache import PromptCache
from bedrock_emulator.prompt import PrefixHasher
from bedrock_emulator.words import generate_words, text_deltas

pytestmark = pytest.mark.timeout(30)

HAIKU = catalog.MODELS["anthropic.claude-haiku-4-5-20251001-v1:0"]


def test_version() -> None:
    assert __version__


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("a", 1), ("abcd", 1), ("abcde", 2), ("é", 1), ("ééé", 2), ("x" * 400, 100), ("x" * 401, 101)],
)
def test_count_text_tokens(text: str, expected: int) -> None:
    assert tokens.count_text_tokens(text) == expected


def test_json_and_tool_counts_are_canonical() -> None:
    assert tokens.count_json_tokens({"b": 1, "a": [1, 2]}) == tokens.count_text_tokens('{"a":[1,2],"b":1}')
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    expected = tokens.count_text_tokens("search") + tokens.count_text_tokens("Find") + tokens.count_json_tokens(schema)
    anthropic_tool = {"name": "search", "description": "Find", "input_schema": schema, "cache_control": {"type": "x"}}
    converse_tool = {"toolSpec": {"name": "search", "description": "Find", "inputSchema": {"json": schema}}}
    assert tokens.count_anthropic_tool_tokens(anthropic_tool) == expected
    assert tokens.count_converse_tool_tokens(converse_tool) == expected


def test_equivalent_requests_count_the_same_in_both_apis() -> None:
    system, question, answer = "You are terse.", "What is the capital of France?", "Paris"
    anthropic_body = {
        "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": [{"type": "text", "text": answer}]},
            {"role": "user", "content": [{"type": "image", "source": {"type": "base64", "data": "AAAA"}}]},
        ],
    }
    converse_body = {
        "system": [{"text": system}, {"cachePoint": {"type": "default"}}],
        "messages": [
            {"role": "user", "content": [{"text": question}]},
            {"role": "assistant", "content": [{"text": answer}]},
            {"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": "AAAA"}}}]},
        ],
    }
    expected = sum(map(tokens.count_text_tokens, (system, question, answer))) + tokens.IMAGE_TOKENS
    assert tokens.count_anthropic_input_tokens(anthropic_body) == expected
    assert tokens.count_converse_input_tokens(converse_body) == expected


def test_tool_use_and_results_count_from_json() -> None:
    call = {"type": "tool_use", "id": "t1", "name": "read", "input": {"path": "README.md"}}
    assert tokens.count_anthropic_block_tokens(call) == tokens.count_tool_use_tokens("read", {"path": "README.md"})
    result = {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "# Title"}]}
    assert tokens.count_anthropic_block_tokens(result) == tokens.count_text_tokens("# Title")
    converse_result = {"toolResult": {"toolUseId": "t1", "content": [{"json": {"a": 1}}, {"text": "ok"}]}}
    assert tokens.count_converse_block_tokens(converse_result) == tokens.count_json_tokens({"a": 1}) + 1


def test_directives_parse_merge_and_reject_typos() -> None:
    raw = b'{"messages":[{"content":"a [emulator fault=throttle only_model=opus] b [emulator output_tokens=3]"}]}'
    found = directives.from_request(raw, "output_tokens=5 tps=2.5")
    assert found.fault == "throttle" and found.only_model == "opus"
    assert found.output_tokens == 5 and found.tps == 2.5
    assert directives.from_body(b"no directive here") == directives.NO_DIRECTIVES
    for bad in ("fault=throtle", "output_tokens=many", "colour=red", "fault"):
        with pytest.raises(errors.BedrockError) as e:
            directives.parse_pairs(bad)
        assert e.value.status == 400 and e.value.error_type == "ValidationException"


def test_fault_resolution_rules_win_and_count_down() -> None:
    rules = faults.FaultRules()
    rules.replace([faults.parse_rule({"model_contains": "opus", "fault": "internal", "times": 1})])
    wanted = directives.parse_pairs("fault=throttle only_model=opus")
    first = faults.resolve(rules, wanted, "us.anthropic.claude-opus-4-5", "converse")
    second = faults.resolve(rules, wanted, "us.anthropic.claude-opus-4-5", "converse")
    assert first is not None and first.name == "internal"
    assert second is not None and second.name == "throttle"
    assert faults.resolve(rules, wanted, "us.anthropic.claude-haiku-4-5", "converse") is None
    assert faults.resolve(rules, wanted, "us.anthropic.claude-opus-4-5", "count-tokens") is None
    with pytest.raises(ValueError):
        faults.parse_rule({"fault": "nope"})


@pytest.mark.parametrize(
    "model_id",
    [
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global.anthropic.claude-opus-4-5-20251101-v1:0",
        "eu.anthropic.claude-opus-5-5",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-5-5",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
    ],
)
def test_claude_model_ids_bedrock_serves_are_accepted(model_id: str) -> None:
    assert catalog.resolve(model_id).effective.name.startswith("claude-")


@pytest.mark.parametrize(
    "model_id",
    [
        "amazon.nova-pro-v1:0",
        "meta.llama3-70b-instruct-v1:0",
        "claude-3-haiku",
        "xx.anthropic.claude-3",
        "",
        "anthropic.claude-3-7-sonnet-20250219-v1:0",  # retired on Bedrock (April 2026)
        "jp.anthropic.claude-opus-4-5-20251101-v1:0",  # no such profile
    ],
)
def test_other_model_ids_are_rejected(model_id: str) -> None:
    with pytest.raises(catalog.UnknownModel):
        catalog.resolve(model_id)


def test_response_model_names() -> None:
    assert catalog.resolve("us.anthropic.claude-haiku-4-5-20251001-v1:0").effective.name == "claude-haiku-4-5-20251001"
    arn = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-5-5"
    assert catalog.resolve(arn).effective.name == "claude-opus-5-5"


def test_prompt_cache_reads_the_longest_seen_prefix_and_expires() -> None:
    now = [1000.0]
    cache = PromptCache(clock=lambda: now[0])

    def breakpoints(*parts: str) -> list:
        hasher = PrefixHasher()
        for part in parts:
            hasher.add("t", part, tokens.count_text_tokens(part))
            hasher.mark()
        return hasher.breakpoints

    tools, system = "t" * 40, "s" * 80  # 10 and 20 tokens
    first = cache.apply("m", breakpoints(tools, system), 35)
    assert (first.input_tokens, first.cache_read, first.cache_write) == (5, 0, 30)
    same = cache.apply("m", breakpoints(tools, system), 35)
    assert (same.cache_read, same.cache_write) == (30, 0)
    other_system = cache.apply("m", breakpoints(tools, "o" * 80), 35)
    assert (other_system.cache_read, other_system.cache_write) == (10, 20)
    assert cache.apply("other-model", breakpoints(tools, system), 35).cache_read == 0
    now[0] += 301
    assert cache.apply("m", breakpoints(tools, system), 35).cache_read == 0


def test_generated_words_are_deterministic() -> None:
    assert generate_words(42, 7) == generate_words(42, 7)
    assert generate_words(42, 7) != generate_words(43, 7)
    words = generate_words(1, 12)
    text = "".join(text_deltas(words))
    assert tokens.count_output_tokens(text) == 12


def test_tool_input_follows_required_properties() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1},
            "tags": {"type": "array", "items": {"type": "string"}},
            "opts": {"type": "object", "properties": {"deep": {"type": "boolean"}}, "required": ["deep"]},
            "optional": {"type": "string"},
        },
        "required": ["city", "unit", "days", "tags", "opts"],
    }
    assert generate.object_for_schema(schema) == {
        "city": "city_value",
        "unit": "celsius",
        "days": 1,
        "tags": ["tags_value"],
        "opts": {"deep": True},
    }


def test_invoke_validation_messages() -> None:
    cases = {
        "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and "
        "try again.": {"max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
        "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again.": {
            "anthropic_version": "bedrock-2023-05-31",
            "messages": [{"role": "user", "content": "x"}],
        },
        "Malformed input request: #/max_tokens: 0 is not greater or equal to 1, please reformat your input and try "
        "again.": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 0, "messages": []},
    }
    for message, body in cases.items():
        with pytest.raises(errors.BedrockError) as e:
            invoke.parse(body, HAIKU)
        assert e.value.message == message


def test_converse_validation_messages() -> None:
    with pytest.raises(errors.BedrockError, match="must start with a user message"):
        converse.parse({"messages": []}, HAIKU)
    with pytest.raises(errors.BedrockError, match="must alternate"):
        converse.parse({"messages": [{"role": "user", "content": [{"text": "a"}]}] * 2}, HAIKU)
    with pytest.raises(errors.BedrockError, match="toolConfig field must be defined"):
        converse.parse(
            {"messages": [{"role": "user", "content": [{"toolResult": {"toolUseId": "x", "content": []}}]}]}, HAIKU
        )
    with pytest.raises(errors.BedrockError, match="is blank"):
        converse.parse({"messages": [{"role": "user", "content": [{"text": " "}]}]}, HAIKU)


def test_invoke_content_blocks_must_be_typed_objects() -> None:
    base = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5}
    with pytest.raises(errors.BedrockError) as e:
        invoke.parse({**base, "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, 5]}]}, HAIKU)
    assert e.value.message.startswith("Malformed input request: #/messages/0/content/1: expected type: JSONObject")
    with pytest.raises(errors.BedrockError, match="extraneous key \\[model\\]"):
        invoke.parse({**base, "model": "x", "messages": [{"role": "user", "content": "a"}]}, HAIKU)


def test_lone_surrogates_do_not_break_counting() -> None:
    assert tokens.count_text_tokens("\ud800 x") == 2
