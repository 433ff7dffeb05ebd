"""Label names and value normalisation: an allow-list of labels, bounded and charset-limited values.

Every label value we export passes through :func:`normalise`: ``None`` and the strings ``"None"``/``"null"``
become ``""``, characters outside ``[A-Za-z0-9._:/@+=-]`` become ``_``, values are cut to
:data:`MAX_LABEL_LENGTH` characters, and identifiers we own (model groups, model ids, cost centres) are
lowercased. Identifiers owned by someone else (team ids, user ids, key aliases) keep their case, because
two ids differing only in case may be two different principals.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping

MAX_LABEL_LENGTH = 100
OTHER = "other"
"""Value every principal label takes on a series folded by the per-metric series cap."""

_DISALLOWED = re.compile(r"[^A-Za-z0-9._:/@+=-]+")
_EXCEPTION_DISALLOWED = re.compile(r"[^A-Za-z0-9._]+")
_MISSING = frozenset({"none", "null", "nil", "undefined"})

# Route prefixes LiteLLM puts in front of a Bedrock model id ("bedrock/converse/us.anthropic...").
_MODEL_ROUTE_PREFIXES = frozenset({"bedrock", "converse", "invoke", "converse_like", "bedrock_converse"})

COST_CENTER_METADATA_KEY = "cost_center"

# User labels: LiteLLM's user ids are often e-mail addresses, and the built-in exporter leaves e-mails out on
# purpose. By default the user label is a pseudonym: stable for one deployment (one salt), the same in every task,
# not reversible without the salt (a plain hash of an e-mail address is: guess the address, hash, compare).
USER_LABELS_PSEUDONYM = "pseudonym"
USER_LABELS_ID = "id"
PSEUDONYM_PREFIX = "u-"
# LiteLLM's own placeholder for requests no user owns (the master key without a database): not a person.
UNOWNED_USER_IDS = frozenset({"default_user_id"})

# Label sets of the exported metrics (the contract in docs/cost-tracking.md). Principal labels name who spent
# (teams, users, keys, cost centres: unbounded, created at run time): the per-metric series cap admits their
# combinations and folds the excess into "other". Every other label is bounded by the configuration or by
# this code: model groups and model ids of the configured deployments (a failed request naming an unknown
# model gets ""), token types, outcomes, exception classes, budget scopes.
SPEND_LABELS = ("model_group", "model", "team", "user", "key_alias", "cost_center")
TOKENS_LABELS = ("model_group", "model", "team", "user", "type")
REQUESTS_LABELS = ("model_group", "team", "user", "outcome", "exception_class")
CACHE_SAVINGS_LABELS = ("model_group", "team", "user")
BUDGET_LABELS = ("scope", "name")
PRINCIPAL_LABELS = frozenset({"team", "user", "key_alias", "cost_center", "name"})

TOKEN_TYPES = ("input", "output", "cache_read", "cache_write")
OUTCOMES = ("success", "client_error", "upstream_error", "rate_limited", "budget_exceeded")
BUDGET_SCOPES = ("user", "key")


def _text(value: object) -> str:
    if value is None or isinstance(value, bool | dict | list | tuple | set):
        return ""
    text = str(value).strip()
    return "" if text.lower() in _MISSING else text


def normalise(value: object, *, lowercase: bool = False) -> str:
    """A bounded, charset-limited label value; missing values are ``""``."""
    text = _text(value)
    if not text:
        return ""
    if lowercase:
        text = text.lower()
    return _DISALLOWED.sub("_", text)[:MAX_LABEL_LENGTH]


def normalise_exception_class(value: object) -> str:
    """A Python-style class name such as ``Bedrock.RateLimitError`` (case kept, 64 characters at most)."""
    return _EXCEPTION_DISALLOWED.sub("_", _text(value))[:64]


def served_model_id(model: object, custom_llm_provider: object = None) -> str:
    """The Bedrock model id that served a request: ``bedrock/us.anthropic.x-v1:0`` -> ``us.anthropic.x-v1:0``.

    ARNs (application inference profiles) contain ``/`` themselves and are kept whole after the prefixes.
    """
    text = _text(model)
    prefixes = _MODEL_ROUTE_PREFIXES | ({_text(custom_llm_provider).lower()} - {""})
    parts = text.split("/")
    while len(parts) > 1 and parts[0].lower() in prefixes:
        parts = parts[1:]
    return normalise("/".join(parts), lowercase=True)


def _metadata_cost_center(metadata: object) -> str:
    if isinstance(metadata, Mapping):
        return normalise(metadata.get(COST_CENTER_METADATA_KEY), lowercase=True)
    return ""


def resolve_cost_center(key_metadata: Iterable[object] | object, team_metadata: object) -> str:
    """The cost-allocation label: key metadata ``cost_center``, else team metadata ``cost_center``, else ``""``.

    Only what an admin set counts: a client can put any tag on its own request, so request tags never choose a
    label (they did: every distinct ``cost-center:`` tag took one of the series cap's combinations).
    ``key_metadata`` may be several candidate mappings (LiteLLM exposes key metadata in more than one place);
    the first with a value wins.
    """
    candidates = key_metadata if isinstance(key_metadata, list | tuple) else (key_metadata,)
    for metadata in (*candidates, team_metadata):
        found = _metadata_cost_center(metadata)
        if found:
            return found
    return ""


def pseudonym(user_id: str, salt: str) -> str:
    """``u-`` + 16 hex characters of HMAC-SHA256(salt, user id): the user label by default."""
    digest = hmac.new(salt.encode(), b"llmgw-user-label:" + user_id.encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:16]


def user_label(user_id: str, mode: str, salt: str) -> str:
    """The user label for a (normalised) user id: its pseudonym, or the id itself when the deployment opted in
    (``LLMGW_USER_LABELS=id``). Empty ids and LiteLLM's unowned placeholder stay as they are."""
    if mode == USER_LABELS_ID or not user_id or user_id in UNOWNED_USER_IDS or user_id == OTHER:
        return user_id
    return pseudonym(user_id, salt)
