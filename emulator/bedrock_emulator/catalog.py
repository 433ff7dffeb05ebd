"""The Claude models the emulator serves, and what Bedrock lets each of them do.

One row per Bedrock base model id. The emulator is the project's stand-in for Bedrock, so it must refuse what
Bedrock refuses; every capability below is the model's documented behaviour on Bedrock (AWS model cards,
"Claude on Amazon Bedrock" model tables), never what a client or LiteLLM assumes. Sources per column:

* ``profiles`` — the cross-region inference profiles that exist for the model (AWS "Supported Regions and
  models for inference profiles"; Anthropic's "Claude on Amazon Bedrock" table lists global/us/eu/jp/apac per
  model). A profile that does not exist is "The provided model identifier is invalid."
* ``thinking`` — ``budget``: ``{"type": "enabled", "budget_tokens": N}`` accepted; ``adaptive``:
  ``{"type": "adaptive"}`` accepted. Opus 4.7 and later are adaptive-only: Bedrock answers "\"thinking.type.enabled\"
  is not supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\" to control thinking
  behavior." (reported by Bedrock users for Opus 4.7/4.8/5, e.g. github.com/anthropics/claude-code-action/issues/1265,
  github.com/earendil-works/pi/issues/7098).
* ``thinking_always_on`` — the model thinks adaptively when ``thinking`` is omitted and refuses to switch it off
  (Opus 5.5, Sonnet 5.5, Fable model cards), so it can never be forced to call a tool.
* ``sampling`` — ``exclusive``: ``temperature`` and ``top_p`` may not both be set ("`temperature` and `top_p`
  cannot both be specified for this model. Please use only one.", Claude 4.5/4.6 on Bedrock, e.g.
  github.com/BerriAI/litellm/issues/15070); ``none``: every sampling parameter is refused ("temperature is
  deprecated for this model.", Opus 4.7 and later, e.g. github.com/NousResearch/hermes-agent/issues/36151).
* ``prefill`` — a final assistant turn (prefill) is accepted (Claude 4.5); Claude 4.6 and later refuse it.
* ``mid_conversation_system`` — ``role: "system"`` turns after the first user turn (Claude 4.8 and the 5 family).
* ``effort`` — the ``output_config.effort`` levels the model takes (absent: the field is not permitted);
  ``effort_beta``: Opus 4.5 needs ``effort-2025-11-24``, later models take it as a GA field.
* ``runtime_count_tokens`` — bedrock-runtime ``CountTokens`` serves the model; models launched cross-region
  only are counted on the bedrock-mantle endpoint instead (AWS "Count tokens": "Some Anthropic Claude models –
  including those that launch with cross-Region inference (CRIS) only on bedrock-runtime – don't support
  CountTokens on bedrock-runtime").
* ``context_tokens`` / ``context_1m_beta`` — the input window; Sonnet 4.5 reaches 1M tokens only with
  ``context-1m-2025-08-07``.

tests/emulator/test_catalog.py compares every row with the pinned LiteLLM cost map, so a LiteLLM upgrade that
disagrees with the emulator about a model shows up as a failing test rather than a silent difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Sampling = Literal["exclusive", "none"]

GEO_PREFIXES = ("us", "eu", "jp", "au", "apac", "ca", "us-gov")
PROFILE_PREFIXES = ("global", *GEO_PREFIXES)

EFFORT_BASIC = ("low", "medium", "high")
EFFORT_MAX = (*EFFORT_BASIC, "max")
EFFORT_XHIGH = (*EFFORT_MAX, "xhigh")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    base_id: str
    name: str
    """The ``model`` value Anthropic-format responses carry."""
    profiles: frozenset[str]
    max_output_tokens: int
    context_tokens: int
    thinking_budget: bool
    thinking_adaptive: bool
    thinking_always_on: bool
    sampling: Sampling
    prefill: bool
    mid_conversation_system: bool
    effort: tuple[str, ...]
    effort_beta: bool
    runtime_count_tokens: bool
    context_1m_beta: bool = False

    @property
    def adaptive_only(self) -> bool:
        return self.thinking_adaptive and not self.thinking_budget


def _spec(
    base_id: str,
    name: str,
    profiles: str,
    *,
    max_output: int,
    context: int,
    budget: bool,
    adaptive: bool,
    always_on: bool = False,
    sampling: Sampling,
    prefill: bool,
    mid_system: bool,
    effort: tuple[str, ...] = (),
    effort_beta: bool = False,
    runtime_count: bool,
    context_1m_beta: bool = False,
) -> ModelSpec:
    return ModelSpec(
        base_id=base_id,
        name=name,
        profiles=frozenset(profiles.split()),
        max_output_tokens=max_output,
        context_tokens=context,
        thinking_budget=budget,
        thinking_adaptive=adaptive,
        thinking_always_on=always_on,
        sampling=sampling,
        prefill=prefill,
        mid_conversation_system=mid_system,
        effort=effort,
        effort_beta=effort_beta,
        runtime_count_tokens=runtime_count,
        context_1m_beta=context_1m_beta,
    )


_M = 1_000_000
_CLAUDE_4_5 = {"max_output": 64_000, "budget": True, "adaptive": False, "sampling": "exclusive", "prefill": True}

MODELS: dict[str, ModelSpec] = {
    spec.base_id: spec
    for spec in (
        _spec(
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "claude-haiku-4-5-20251001",
            "global us eu jp au apac",
            context=200_000,
            mid_system=False,
            runtime_count=True,
            **_CLAUDE_4_5,
        ),
        _spec(
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "claude-sonnet-4-5-20250929",
            "global us eu jp au us-gov",
            context=200_000,
            context_1m_beta=True,
            mid_system=False,
            runtime_count=True,
            **_CLAUDE_4_5,
        ),
        _spec(
            "anthropic.claude-opus-4-5-20251101-v1:0",
            "claude-opus-4-5-20251101",
            "global us eu",
            context=200_000,
            mid_system=False,
            effort=EFFORT_BASIC,
            effort_beta=True,
            runtime_count=True,
            **_CLAUDE_4_5,
        ),
        _spec(
            "anthropic.claude-opus-4-6-v1",
            "claude-opus-4-6",
            "global us eu au",
            max_output=128_000,
            context=_M,
            budget=True,
            adaptive=True,
            sampling="exclusive",
            prefill=False,
            mid_system=False,
            effort=EFFORT_MAX,
            runtime_count=True,
        ),
        _spec(
            "anthropic.claude-sonnet-4-6",
            "claude-sonnet-4-6",
            "global us eu jp au apac",
            max_output=64_000,
            context=_M,
            budget=True,
            adaptive=True,
            sampling="exclusive",
            prefill=False,
            mid_system=False,
            effort=EFFORT_MAX,
            runtime_count=True,
        ),
        _spec(
            "anthropic.claude-opus-4-7",
            "claude-opus-4-7",
            "global us eu jp au apac",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            sampling="none",
            prefill=False,
            mid_system=False,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
        _spec(
            "anthropic.claude-opus-4-8",
            "claude-opus-4-8",
            "global us eu jp au apac us-gov",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            sampling="none",
            prefill=False,
            mid_system=True,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
        _spec(
            "anthropic.claude-opus-5",
            "claude-opus-5",
            "global us eu jp au apac us-gov",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            sampling="none",
            prefill=False,
            mid_system=True,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
        _spec(
            "anthropic.claude-sonnet-5",
            "claude-sonnet-5",
            "global us eu jp au apac us-gov",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            sampling="none",
            prefill=False,
            mid_system=True,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
        _spec(
            "anthropic.claude-haiku-5-5",
            "claude-haiku-5-5",
            "global us eu jp au apac us-gov",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            sampling="none",
            prefill=False,
            mid_system=True,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
        _spec(
            "anthropic.claude-sonnet-5-5",
            "claude-sonnet-5-5",
            "global us eu jp au apac us-gov",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            always_on=True,
            sampling="none",
            prefill=False,
            mid_system=True,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
        _spec(
            "anthropic.claude-opus-5-5",
            "claude-opus-5-5",
            "global us eu jp au apac us-gov",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            always_on=True,
            sampling="none",
            prefill=False,
            mid_system=True,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
        _spec(
            "anthropic.claude-fable-5",
            "claude-fable-5",
            "global us eu au apac",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            always_on=True,
            sampling="none",
            prefill=False,
            mid_system=True,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
        _spec(
            "anthropic.claude-fable-5-1",
            "claude-fable-5-1",
            "global us eu us-gov",
            max_output=128_000,
            context=_M,
            budget=False,
            adaptive=True,
            always_on=True,
            sampling="none",
            prefill=False,
            mid_system=True,
            effort=EFFORT_XHIGH,
            runtime_count=False,
        ),
    )
}

_PREFIX = re.compile(r"^(?P<prefix>" + "|".join(re.escape(p) for p in PROFILE_PREFIXES) + r")\.(?P<rest>.+)$")
_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:bedrock:(?P<region>[a-z0-9-]{1,20}):(?P<account>[0-9]{12})?:"
    r"(?P<kind>foundation-model|inference-profile|application-inference-profile|provisioned-model"
    r"|custom-model-deployment)/(?P<resource>[A-Za-z0-9.:\-]+)$"
)
OPAQUE_ARN_KINDS = frozenset({"application-inference-profile", "provisioned-model", "custom-model-deployment"})


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """What a ``modelId`` in a request path names."""

    model_id: str
    spec: ModelSpec | None
    """None for opaque ARNs (application inference profiles, provisioned throughput): served as Haiku 4.5."""
    profile: str | None
    """``global``, ``us``... for an inference profile; None for a base model id."""

    @property
    def effective(self) -> ModelSpec:
        return self.spec or MODELS["anthropic.claude-haiku-4-5-20251001-v1:0"]


class UnknownModel(ValueError):
    """The id names no model (or no profile of it) Bedrock serves."""


class OnDemandNotSupported(ValueError):
    """A base model id that Bedrock serves only through an inference profile."""


@lru_cache(maxsize=2048)
def resolve(model_id: str) -> ResolvedModel:
    """Resolve a decoded ``modelId`` (base id, ``<prefix>.<base id>``, or ARN); raises UnknownModel."""
    arn = _ARN.match(model_id)
    target = model_id
    if arn is not None:
        if arn["kind"] in OPAQUE_ARN_KINDS:
            return ResolvedModel(model_id, None, None)
        target = arn["resource"]
    prefixed = _PREFIX.match(target)
    profile = prefixed["prefix"] if prefixed else None
    base = prefixed["rest"] if prefixed else target
    spec = MODELS.get(base)
    if spec is None or (profile is not None and profile not in spec.profiles):
        raise UnknownModel(model_id)
    return ResolvedModel(model_id, spec, profile)


def base_model_id(model_id: str) -> str:
    """``global.anthropic.x`` / ARNs -> ``anthropic.x`` (the foundation model), unchanged when not a profile."""
    arn = _ARN.match(model_id)
    target = arn["resource"] if arn is not None and arn["kind"] not in OPAQUE_ARN_KINDS else model_id
    prefixed = _PREFIX.match(target)
    return prefixed["rest"] if prefixed else target
