"""Request fields that steer the upstream call are the operator's, not the client's.

LiteLLM 1.106.2 spreads a request body into the provider call, so besides the conversation a client can set
what Bedrock bills and how the gateway calls it. Measured through the real proxy against the emulator
(tests/gateway/test_upstream_controls.py):

* ``extra_headers`` reaches Bedrock on /v1/messages and chat completions: ``X-Amzn-Bedrock-Service-Tier:
  priority`` and ``x-amzn-bedrock-performanceconfig-latency: optimized`` buy a pricier tier that neither the
  spend metrics nor the budgets count;
* on chat completions ``service_tier``/``serviceTier`` become Converse's ``serviceTier`` and ``performanceConfig``
  is sent as is;
* ``aws_region_name`` and the AWS key fields are not on LiteLLM's own blocklist (auth_utils.py
  ``_BANNED_REQUEST_BODY_PARAMS`` bans endpoints, roles and profiles only): a request could pick another region
  or its own credentials;
* ``num_retries``, ``timeout``, ``fallbacks`` override the retry policy, the timeouts the edge in front of the
  gateway is sized for, and the fallback chains.

The /bedrock pass-through forwards a boto3 client's Converse body as is, ``serviceTier`` and
``performanceConfig`` included (LiteLLM does not forward the client's HTTP headers there).

The policy callback refuses such a request with a 400 that names the field, before any model is called; the
model's own settings (``litellm_params`` rendered from infra/litellm/models.yaml) still apply, since they are
merged by the router after this check. The service tier is a model setting too: Claude on Bedrock has no
priority or flex price in LiteLLM's cost map (tests/callbacks/test_upstream_controls.py fails the day it has
one, so someone decides), so no tier but the default can be counted, and a client asking for another is told so
(``auto``/``default``/``standard_only`` mean the default tier and are accepted, then removed).
"""

from __future__ import annotations

from collections.abc import Mapping

# field -> why it is refused (the second half of the client's message)
REFUSED: dict[str, str] = {
    "extra_headers": "the headers sent to Bedrock (service tier, latency profile) are set per model by the operator",
    "extra_body": "fields outside the API are not forwarded to Bedrock",
    "extra_query": "fields outside the API are not forwarded to Bedrock",
    "additionalModelRequestFields": "fields outside the API are not forwarded to Bedrock",
    "performanceConfig": "Bedrock's latency-optimized inference is priced apart and is a model setting",
    "serviceTier": "the Bedrock service tier is a model setting",
    "guardrailConfig": "Bedrock guardrails are configured by the operator",
    "requestMetadata": "Bedrock request metadata is set by the gateway",
    "aws_region_name": "the Bedrock region is the deployment's",
    "aws_access_key_id": "the gateway calls Bedrock with its own credentials",
    "aws_secret_access_key": "the gateway calls Bedrock with its own credentials",
    "aws_session_token": "the gateway calls Bedrock with its own credentials",
    "api_key": "the gateway calls Bedrock with its own credentials",
    "num_retries": "retries are the gateway's policy",
    "max_retries": "retries are the gateway's policy",
    "timeout": "timeouts are the gateway's, sized to the edge in front of it",
    "stream_timeout": "timeouts are the gateway's, sized to the edge in front of it",
    "fallbacks": "fallbacks are the gateway's, per model",
    "context_window_fallbacks": "fallbacks are the gateway's, per model",
}
DEFAULT_TIERS = frozenset({"auto", "default", "standard_only"})
TIER_FIELD = "service_tier"
# Bedrock-native bodies (the /bedrock pass-through: Converse and InvokeModel as boto3 sends them): the two
# fields Bedrock bills apart, with the value that means "as without the field".
NATIVE: dict[str, tuple[str, str]] = {
    "serviceTier": ("type", "default"),
    "performanceConfig": ("latency", "standard"),
}
PASSTHROUGH_CALL_TYPE = "allm_passthrough_route"


class Refused(ValueError):
    """A request field the client may not set; ``str()`` is the message the client gets."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"'{field}' is not accepted by this gateway: {reason}.")
        self.field = field


def check(data: Mapping[str, object]) -> list[str]:
    """Raise ``Refused`` for the first field the client may not set; return the fields to remove (a default
    ``service_tier``, which Bedrock's default tier already is)."""
    for field, reason in REFUSED.items():
        if field in data and data[field] is not None:
            raise Refused(field, reason)
    tier = data.get(TIER_FIELD)
    if tier is None:
        return []
    if isinstance(tier, str) and tier.lower() in DEFAULT_TIERS:
        return [TIER_FIELD]
    raise Refused(
        TIER_FIELD,
        f"the Bedrock service tier is a model setting, and this gateway serves its models at the default tier "
        f"({tier!r} has no price in LiteLLM's cost map for Claude on Bedrock, so it could be neither counted nor "
        "budgeted)",
    )


def check_native(body: Mapping[str, object]) -> list[str]:
    """``check`` for a Bedrock-native body: ``serviceTier``/``performanceConfig`` only with their default value
    (then removed); everything else of the Converse/InvokeModel API passes (``additionalModelRequestFields``
    is how Converse clients send Claude's own fields, such as ``thinking``)."""
    drop = []
    for field, (key, default) in NATIVE.items():
        value = body.get(field)
        if value is None:
            continue
        if isinstance(value, Mapping) and set(value) <= {key} and value.get(key, default) == default:
            drop.append(field)
            continue
        raise Refused(field, REFUSED[field])
    return drop


def apply(data: dict[str, object], call_type: str | None = None) -> None:
    """Check ``data`` (what the proxy hands its pre-call hooks) in place: raise ``Refused`` or drop the no-op
    fields. On the /bedrock pass-through LiteLLM wraps the client's body: ``{"model", "endpoint", "data":
    <body>}``."""
    if call_type == PASSTHROUGH_CALL_TYPE:
        body = data.get("data")
        if isinstance(body, dict):
            for field in check_native(body):
                body.pop(field, None)
        return
    for field in check(data):
        data.pop(field, None)
