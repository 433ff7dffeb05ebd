"""Runtime settings of the cost-metrics callback, read once from the environment."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

DEFAULT_MAX_SERIES_PER_METRIC = 2000
DEFAULT_PROCESS_SAMPLE_SECONDS = 5.0
DEFAULT_IN_FLIGHT_TTL_SECONDS = 1800.0
FAULT_INJECTION_RAISE = "raise"


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        logger.warning("%s=%r is not an integer; using %d", name, raw, default)
        return default
    if value <= 0:
        logger.warning("%s=%r must be > 0; using %d", name, raw, default)
        return default
    return value


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        logger.warning("%s=%r is not a number; using %s", name, raw, default)
        return default
    if value <= 0:
        logger.warning("%s=%r must be > 0; using %s", name, raw, default)
        return default
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """``LLMGW_*`` environment variables (all optional).

    * ``LLMGW_MAX_SERIES_PER_METRIC`` — distinct combinations of the principal labels (team, user, key alias,
      cost centre, budget name) each metric keeps before folding new ones into ``other`` (default 2000).
      Shared by all workers of a task when ``PROMETHEUS_MULTIPROC_DIR`` is set.
    * ``LLMGW_PROCESS_SAMPLE_SECONDS`` — how often each worker refreshes its memory/CPU gauges in
      multiprocess mode (default 5).
    * ``LLMGW_IN_FLIGHT_TTL_SECONDS`` — a request that never reported an end is dropped from the in-flight
      gauge after this long (default 1800, twice the gateway's request timeout).
    * ``LLMGW_USER_LABELS`` — ``pseudonym`` (default): the ``user`` label (and a user budget's ``name``) is
      ``u-`` + 16 hex characters of an HMAC of the LiteLLM user id; ``id``: the user id itself (often an e-mail
      address: opt in per deployment, docs/cost-tracking.md).
    * ``LLMGW_LABEL_SALT`` — the pseudonyms' key; default ``LITELLM_SALT_KEY``, else ``LITELLM_MASTER_KEY``
      (the same in every task of a deployment, so a user has one pseudonym; changing it changes them all).
    * ``LLMGW_CALLBACK_FAULT_INJECTION=raise`` — test only: every hook raises, to show the gateway is unaffected.
    * ``PROMETHEUS_MULTIPROC_DIR`` — prometheus-client multiprocess mode (the directory LiteLLM uses).
    """

    max_series_per_metric: int = DEFAULT_MAX_SERIES_PER_METRIC
    process_sample_seconds: float = DEFAULT_PROCESS_SAMPLE_SECONDS
    in_flight_ttl_seconds: float = DEFAULT_IN_FLIGHT_TTL_SECONDS
    fault_injection: bool = False
    multiproc_dir: str | None = None
    user_labels: str = "pseudonym"
    label_salt: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        fault = env.get("LLMGW_CALLBACK_FAULT_INJECTION", "").strip().lower()
        if fault and fault != FAULT_INJECTION_RAISE:
            logger.warning("LLMGW_CALLBACK_FAULT_INJECTION=%r ignored (only %r is known)", fault, FAULT_INJECTION_RAISE)
        return cls(
            max_series_per_metric=_positive_int(env, "LLMGW_MAX_SERIES_PER_METRIC", DEFAULT_MAX_SERIES_PER_METRIC),
            process_sample_seconds=_positive_float(env, "LLMGW_PROCESS_SAMPLE_SECONDS", DEFAULT_PROCESS_SAMPLE_SECONDS),
            in_flight_ttl_seconds=_positive_float(env, "LLMGW_IN_FLIGHT_TTL_SECONDS", DEFAULT_IN_FLIGHT_TTL_SECONDS),
            fault_injection=fault == FAULT_INJECTION_RAISE,
            multiproc_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or env.get("prometheus_multiproc_dir") or None,
            user_labels=_user_labels(env),
            label_salt=label_salt(env),
        )


def _user_labels(env: Mapping[str, str]) -> str:
    raw = env.get("LLMGW_USER_LABELS", "").strip().lower() or "pseudonym"
    if raw not in ("pseudonym", "id"):
        logger.warning("LLMGW_USER_LABELS=%r is neither 'pseudonym' nor 'id'; using 'pseudonym'", raw)
        return "pseudonym"
    return raw


def label_salt(env: Mapping[str, str]) -> str:
    """The key of the user pseudonyms: LLMGW_LABEL_SALT, else LITELLM_SALT_KEY, else LITELLM_MASTER_KEY."""
    for name in ("LLMGW_LABEL_SALT", "LITELLM_SALT_KEY", "LITELLM_MASTER_KEY"):
        value = env.get(name, "").strip()
        if value:
            return value
    return ""
