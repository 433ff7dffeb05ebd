"""CountTokens: ``POST /model/{modelId}/count-tokens`` with an ``invokeModel`` or a ``converse`` input.

bedrock-runtime counts with the foundation model id (``anthropic.claude-...``); an inference-profile id is not a
model CountTokens knows ("The provided model identifier is invalid."), and models launched cross-region only are
counted on bedrock-mantle instead (catalog.ModelSpec.runtime_count_tokens).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import converse, errors, invoke
from .catalog import ResolvedModel
from .tokens import count_anthropic_input_tokens, count_converse_input_tokens


def count(raw: bytes, resolved: ResolvedModel) -> dict[str, int]:
    """``{"inputTokens": N}``: the total input (uncached + cache read + cache write) the request would have.

    The input is validated like the operation it stands for, so a body Converse / InvokeModel would reject
    is rejected here too.
    """
    if resolved.profile is not None:
        raise errors.invalid_model()
    spec = resolved.effective
    if not spec.runtime_count_tokens:
        raise errors.count_tokens_not_supported(resolved.model_id)
    body = converse.load_body(raw)
    request = body.get("input")
    if not isinstance(request, Mapping):
        raise errors.validation(
            "1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null"
        )
    if len(request) != 1 or next(iter(request)) not in ("invokeModel", "converse"):
        raise errors.validation("The input field must contain exactly one of invokeModel or converse.")
    if "converse" in request:
        converse_input = request["converse"]
        if not isinstance(converse_input, Mapping):
            raise errors.validation("The converse input must be an object.")
        converse.parse(converse_input, spec, count_only=True)
        return {"inputTokens": count_converse_input_tokens(converse_input)}
    invoke_input = request["invokeModel"]
    anthropic_body = invoke.decode_count_tokens_body(
        invoke_input.get("body") if isinstance(invoke_input, Mapping) else None
    )
    invoke.parse_for_count(anthropic_body, spec)
    return {"inputTokens": count_anthropic_input_tokens(anthropic_body)}
