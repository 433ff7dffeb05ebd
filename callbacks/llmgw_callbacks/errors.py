"""Error responses a developer can act on, from LiteLLM's own failure hook (never by patching LiteLLM).

Used by the policy callback (policy.py). LiteLLM 1.106.2
lets a callback's ``async_post_call_failure_hook`` return an ``HTTPException`` that replaces the error the client
gets (litellm/proxy/utils.py ``ProxyLogging.post_call_failure_hook``); the proxy then renders it in the shape of
the route (Anthropic ``{"type": "error", "error": {...}}`` on /v1/messages, OpenAI's on chat completions). Two
errors are reshaped, everything else is left exactly as LiteLLM sends it:

* **An error Bedrock answered** (LiteLLM wraps it as ``litellm.BadRequestError: BedrockException - {"message":
  "..."}``): the client gets Bedrock's status and Bedrock's own message, so Claude Code shows "This model does
  not support assistant message prefill..." instead of LiteLLM's wrapper.
* **A key the gateway cannot know** without a key database ("No connected db.", 400 in LiteLLM): 401, which is
  what an unknown key is, and what makes Claude Code re-run its ``apiKeyHelper``.

LiteLLM 1.106.2 ignores the hook's answer on /v1/messages (proxy/anthropic_endpoints/endpoints.py discards it),
so there Bedrock's message arrives inside LiteLLM's wrapper; the no-database 401 comes from the authentication
step, which does use it, on every route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

BEDROCK_PROVIDERS = frozenset({"bedrock", "bedrock_converse", "bedrock_mantle"})
NO_DB_TYPE = "no_db_connection"
UNKNOWN_KEY_MESSAGE = (
    "Authentication Error: invalid API key. This gateway runs without a key database, so it accepts only its "
    "master key; ask the gateway's operator for a key of a deployment with a database."
)
_WRAPPED = re.compile(r"(?:[A-Za-z_]+)Exception - (?P<body>.*)$", re.DOTALL)
_KEPT_HEADERS = ("retry-after", "x-amzn-requestid", "x-amzn-errortype")


def upstream_message(text: str) -> str | None:
    """Bedrock's message out of LiteLLM's wrapper, or None when the text is not an answer Bedrock gave (Bedrock
    answers JSON; a connection failure or LiteLLM's own error keeps LiteLLM's text)."""
    match = _WRAPPED.search(text)
    if match is None:
        return None
    body = match["body"].strip()
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if isinstance(parsed, Mapping):
        inner = parsed.get("message") or parsed.get("Message")
        if isinstance(inner, str):
            return inner
        error = parsed.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return error["message"]
    return None


def _headers(exception: BaseException) -> dict[str, str]:
    found: dict[str, str] = {}
    for source in (getattr(exception, "headers", None), getattr(getattr(exception, "response", None), "headers", None)):
        if source is None:
            continue
        try:
            items = dict(source).items()
        except (TypeError, ValueError):
            continue
        for key, value in items:
            if str(key).lower() in _KEPT_HEADERS:
                found[str(key).lower()] = str(value)
    return found


def _status(exception: BaseException) -> int | None:
    for attribute in ("status_code", "code"):
        value = getattr(exception, attribute, None)
        try:
            status = int(str(value))
        except (TypeError, ValueError):
            continue
        if 400 <= status <= 599:
            return status
    return None


def reshape(exception: BaseException) -> tuple[int, str, dict[str, str]] | None:
    """(status, message, headers) of the error the client should get instead, or None to keep LiteLLM's."""
    if getattr(exception, "type", None) == NO_DB_TYPE:
        return 401, UNKNOWN_KEY_MESSAGE, {}
    provider = getattr(exception, "llm_provider", None)
    if provider not in BEDROCK_PROVIDERS:
        return None
    status = _status(exception)
    message = upstream_message(str(getattr(exception, "message", None) or exception))
    if status is None or message is None:
        return None
    return status, message, _headers(exception)
