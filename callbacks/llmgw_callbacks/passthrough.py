"""A /bedrock pass-through call goes to the deployment the operator chose, once.

LiteLLM 1.106.2 routes ``POST /bedrock/model/{id}/{action}`` through the router when ``{id}`` is a model name of
the config (the gateway's names and the hidden Bedrock-id entries rendered from infra/litellm/models.yaml), and
rewrites the path's model segment to the deployment's id. Two router paths skip that rewrite and post the
CLIENT's path, on a profile the deployment never chose and for a model it may not be:

* a fallback: the rewrite only matches the group first asked for, so the Sonnet "fallback" of a failed Opus call
  posts ``/model/us.anthropic.claude-opus-5-5/invoke`` (router.py
  ``_add_deployment_model_to_endpoint_for_llm_passthrough_route``);
* no deployment available (cooling down, or refused by a deployment filter): the router then calls the
  pass-through without a deployment (``passthrough_on_no_deployment=True``), with the client's path.

And a failed pass-through call is an ``httpx.HTTPStatusError`` that the retry policy cannot classify, so Bedrock's
400s were retried too. Seen with Claude Code 2.1.330 in Bedrock mode (tests/gateway/test_passthrough_fallbacks.py):
an unsupported beta flag gave three refused calls on the deployment's profile, then six on the client's own.

So for every pass-through call the policy callback (pre-call hook) writes the deployment's own id into the path,
turns fallbacks off and asks for no router retry: the client gets Bedrock's answer as Bedrock gave it, and retries
throttling itself (boto3's retry modes and Claude Code both retry ``ThrottlingException`` / 429 with back-off).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import quote, unquote

log = logging.getLogger(__name__)


def deployment_model_id(router: object, model: str) -> str | None:
    """The Bedrock model id the router's first deployment of ``model`` calls, without LiteLLM's provider route."""
    get_model_list = getattr(router, "get_model_list", None)
    rows = get_model_list(model_name=model) if callable(get_model_list) else None
    for row in rows or ():
        params = row.get("litellm_params") if isinstance(row, Mapping) else None
        name = params.get("model") if isinstance(params, Mapping) else None
        if isinstance(name, str) and name.startswith("bedrock/"):
            for route in ("bedrock/converse/", "bedrock/invoke/", "bedrock/"):
                if name.startswith(route):
                    return name[len(route) :]
    return None


def pin_endpoint(endpoint: str, model: str, deployed: str) -> str:
    """``model/<model>/<action>`` with the deployment's id in place of ``model`` (URL-encoded like the client's)."""
    parts = endpoint.split("/")
    lead = 1 if parts and parts[0] == "" else 0
    if parts[lead + 1 : lead + 2] == ["application-inference-profile"]:  # an ARN-named profile: not ours to move
        return endpoint
    if len(parts) > lead + 2 and parts[lead] == "model" and unquote(parts[lead + 1]) == model:
        parts[lead + 1] = quote(deployed, safe="") if "%" in parts[lead + 1] else deployed
    return "/".join(parts)


def apply(data: dict[str, object], router: object) -> None:
    """Pin a pass-through call (``data`` as the proxy hands its pre-call hooks: ``{"model", "endpoint", ...}``)."""
    model, endpoint = data.get("model"), data.get("endpoint")
    if isinstance(model, str) and isinstance(endpoint, str):
        deployed = deployment_model_id(router, model)
        if deployed:
            data["endpoint"] = pin_endpoint(endpoint, model, deployed)
        else:
            log.warning("pass-through model %s has no Bedrock deployment: path left as sent", model)
    data["disable_fallbacks"] = True
    data["num_retries"] = 0
