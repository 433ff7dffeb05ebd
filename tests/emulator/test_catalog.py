"""The emulator's model table agrees with LiteLLM's pinned cost map about every model: where it is offered, how
much it may write, how it thinks and samples. Both describe the same Bedrock; a LiteLLM upgrade that changes its
view of a model fails here instead of silently diverging from the emulator."""

from __future__ import annotations

import litellm
import pytest

from bedrock_emulator import catalog

pytestmark = pytest.mark.timeout(30)


def _effort(entry: dict) -> tuple[str, ...]:
    if not entry.get("supports_output_config"):
        return ()
    levels = catalog.EFFORT_BASIC
    if entry.get("supports_max_reasoning_effort"):
        levels += ("max",)
    if entry.get("supports_xhigh_reasoning_effort"):
        levels += ("xhigh",)
    return levels


@pytest.mark.parametrize("base_id", sorted(catalog.MODELS))
def test_model_agrees_with_the_cost_map(base_id: str) -> None:
    spec = catalog.MODELS[base_id]
    entry = litellm.model_cost[base_id]
    token_counter = (entry.get("token_count_model") or {}).get("litellm_provider")
    assert {
        "profiles": spec.profiles,
        "max_output_tokens": spec.max_output_tokens,
        "context_tokens": spec.context_tokens,
        "thinking_adaptive": spec.thinking_adaptive,
        "thinking_budget": spec.thinking_budget,
        "thinking_always_on": spec.thinking_always_on,
        "sampling": spec.sampling,
        "prefill": spec.prefill,
        "mid_conversation_system": spec.mid_conversation_system,
        "runtime_count_tokens": spec.runtime_count_tokens,
        "effort": spec.effort,
    } == {
        "profiles": frozenset(p for p in catalog.PROFILE_PREFIXES if f"{p}.{base_id}" in litellm.model_cost),
        "max_output_tokens": entry["max_output_tokens"],
        "context_tokens": entry["max_input_tokens"],
        "thinking_adaptive": bool(entry.get("supports_adaptive_thinking")),
        "thinking_budget": not entry.get("supports_adaptive_thinking") or bool(entry.get("supports_legacy_thinking")),
        "thinking_always_on": bool(entry.get("thinking_always_on")),
        "sampling": "none" if entry.get("supports_sampling_params") is False else "exclusive",
        "prefill": bool(entry.get("supports_assistant_prefill")),
        "mid_conversation_system": bool(entry.get("supports_mid_conversation_system")),
        "runtime_count_tokens": token_counter == "bedrock",
        "effort": _effort(entry),
    }
    if entry.get("supports_forced_tool_use") is False:  # always thinking, so never forced to call a tool
        assert spec.thinking_always_on


def test_ids_resolve_to_models_profiles_and_arns() -> None:
    assert catalog.resolve("global.anthropic.claude-opus-5-5").profile == "global"
    assert catalog.resolve("anthropic.claude-opus-5-5").profile is None
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-5-5"
    assert catalog.resolve(arn).spec is catalog.MODELS["anthropic.claude-sonnet-5-5"]
    assert catalog.resolve("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc").spec is None
    for unknown in ("jp.anthropic.claude-opus-4-5-20251101-v1:0", "anthropic.claude-3-haiku", "meta.llama3"):
        with pytest.raises(catalog.UnknownModel):
            catalog.resolve(unknown)
    assert catalog.base_model_id("eu.anthropic.claude-haiku-5-5") == "anthropic.claude-haiku-5-5"
