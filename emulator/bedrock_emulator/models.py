"""Model identifiers: decoding, validation (Anthropic Claude only) and the names responses carry."""

from __future__ import annotations

import re
from functools import lru_cache

_CLAUDE_ID = re.compile(
    r"(?:(?:us|eu|apac|global|jp|au|ca|us-gov)\.)?anthropic\.claude-[a-z0-9][a-z0-9.\-]*(?::[0-9]+(?::[0-9]+k)?)?"
)
_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:bedrock:[a-z0-9-]{1,20}:(?:[0-9]{12})?:"
    r"(?P<kind>foundation-model|inference-profile|application-inference-profile|provisioned-model"
    r"|custom-model-deployment)/(?P<resource>[A-Za-z0-9.:\-]+)"
)
_OPAQUE_ARN_KINDS = frozenset({"application-inference-profile", "provisioned-model", "custom-model-deployment"})
_VERSION_SUFFIX = re.compile(r"-v[0-9]+(?::[0-9]+)*(?::[0-9]+k)?$")
_PROFILE_PREFIX = re.compile(r"^(?:us|eu|apac|global|jp|au|ca|us-gov)\.")


@lru_cache(maxsize=1024)
def is_supported_model(model_id: str) -> bool:
    """Anthropic Claude model ids, optionally with an inference-profile prefix, or ARNs of them.

    ARNs of application inference profiles / provisioned throughput are opaque and accepted as they are.
    """
    if _CLAUDE_ID.fullmatch(model_id):
        return True
    arn = _ARN.fullmatch(model_id)
    if arn is None:
        return False
    return arn["kind"] in _OPAQUE_ARN_KINDS or _CLAUDE_ID.fullmatch(arn["resource"]) is not None


@lru_cache(maxsize=1024)
def anthropic_model_name(model_id: str) -> str:
    """The ``model`` Bedrock's InvokeModel responses carry, e.g. ``claude-haiku-4-5-20251001``."""
    arn = _ARN.fullmatch(model_id)
    name = arn["resource"] if arn else model_id
    name = _PROFILE_PREFIX.sub("", name)
    name = name.removeprefix("anthropic.")
    return _VERSION_SUFFIX.sub("", name)
