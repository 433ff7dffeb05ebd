"""CountTokens: ``POST /model/{modelId}/count-tokens`` with an ``invokeModel`` or a ``converse`` input."""

from __future__ import annotations

from collections.abc import Mapping

from . import converse, errors, invoke
from .tokens import count_anthropic_input_tokens, count_converse_input_tokens


def count(raw: bytes) -> dict[str, int]:
    """``{"inputTokens": N}``: the total input (uncached + cache read + cache write) the request would have.

    The input is validated like the operation it stands for, so a body Converse / InvokeModel would reject
    is rejected here too.
    """
    body = converse.load_body(raw)
    spec = body.get("input")
    if not isinstance(spec, Mapping):
        raise errors.validation(
            "1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null"
        )
    if len(spec) != 1 or next(iter(spec)) not in ("invokeModel", "converse"):
        raise errors.validation("The input field must contain exactly one of invokeModel or converse.")
    if "converse" in spec:
        converse_input = spec["converse"]
        if not isinstance(converse_input, Mapping):
            raise errors.validation("The converse input must be an object.")
        converse.parse(converse_input)
        return {"inputTokens": count_converse_input_tokens(converse_input)}
    invoke_input = spec["invokeModel"]
    anthropic_body = invoke.decode_count_tokens_body(
        invoke_input.get("body") if isinstance(invoke_input, Mapping) else None
    )
    invoke.parse(anthropic_body)
    return {"inputTokens": count_anthropic_input_tokens(anthropic_body)}
