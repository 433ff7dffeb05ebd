"""The gateways ``make bench`` compares, each derived from the shipped ``infra/litellm/config.yaml`` at run time so
that they follow the file as it changes:

* ``stock``   — the stock proxy with only our model list (plus the dated-id aliases the scenarios send, which
  routing needs): no callbacks, no ``litellm_settings`` / ``general_settings`` of ours, the image's logging and
  server defaults (``litellm --config --host --port --num_workers`` and none of our ``LITELLM_*`` variables);
* ``builtin`` — the shipped config with LiteLLM's built-in callbacks only (``callbacks: ["prometheus"]``) and
  without the tuned profile's settings (TUNING_SETTINGS: the exporter's full set of series);
* ``ours``    — the shipped config with ``prometheus`` plus our ``llmgw_callbacks``, without TUNING_SETTINGS (the
  deployment before the tuned profile: ``prometheus`` is put back when the shipped config no longer has it);
* ``tuned``   — the shipped config as it is;
* ``portkey`` — the peer: Portkey's gateway (npm ``@portkey-ai/gateway``, pinned in tools/portkey/), its Bedrock
  provider with a custom host pointing at the same emulator (llmgw.bench.procs.start_peer).
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from llmgw.paths import CONFIG

STOCK = "stock"
BUILTIN = "builtin"
OURS = "ours"
TUNED = "tuned"
PEER = "portkey"
LITELLM_TARGETS = (STOCK, BUILTIN, OURS, TUNED)
ALL_TARGETS = (*LITELLM_TARGETS, PEER)
BUILTIN_CALLBACK = "prometheus"
OUR_CALLBACK_PREFIX = "llmgw_callbacks."
# Callbacks that are tuning levers rather than features (issue 18's tuned profile): left out of ``ours``, the
# deployment before tuning.
TUNING_CALLBACKS = ("llmgw_callbacks.gc_tuning.",)
# litellm_settings of the tuned profile (docs/performance/tuning.md): left out of ``builtin`` and ``ours``.
# prometheus_metrics_config: the built-in exporter updates only the series the dashboards read.
TUNING_SETTINGS = ("prometheus_metrics_config",)

# The stock image's command (its ENTRYPOINT is `litellm`): none of the server options the Procfile may add.
STOCK_COMMAND = (
    'exec litellm --config "$LITELLM_CONFIG" --host "$GATEWAY_HOST" --port "$GATEWAY_PORT" '
    '--num_workers "$LITELLM_WORKERS"'
)
# Of our LITELLM_* environment, what the stock proxy needs on this machine: no internet (the cost map and the
# beta-header map come from the installed package instead of GitHub), and workers that survive a slow start.
STOCK_KEEPS_ENV = ("LITELLM_LOCAL_MODEL_COST_MAP", "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "TIMEOUT_WORKER_HEALTHCHECK")


def shipped(config: Path = CONFIG) -> dict:
    return yaml.safe_load(config.read_text())


def _callbacks(config: dict) -> list[str]:
    return list((config.get("litellm_settings") or {}).get("callbacks") or [])


def stock_config(config: dict) -> dict:
    """Only the model list, and the model-group aliases (dated ids such as ``claude-sonnet-4-5-20250929``, which
    Claude Code sends) without which the stock proxy could not route the scenarios' requests."""
    result: dict = {"model_list": copy.deepcopy(config["model_list"])}
    aliases = (config.get("router_settings") or {}).get("model_group_alias")
    if aliases:
        result["router_settings"] = {"model_group_alias": copy.deepcopy(aliases)}
    return result


def _untuned(config: dict) -> dict:
    result = copy.deepcopy(config)
    settings = result.setdefault("litellm_settings", {})
    for key in TUNING_SETTINGS:
        settings.pop(key, None)
    return result


def builtin_config(config: dict) -> dict:
    result = _untuned(config)
    result["litellm_settings"]["callbacks"] = [BUILTIN_CALLBACK]
    return result


def ours_config(config: dict) -> dict:
    result = _untuned(config)
    ours = [c for c in _callbacks(config) if c.startswith(OUR_CALLBACK_PREFIX) and not c.startswith(TUNING_CALLBACKS)]
    result["litellm_settings"]["callbacks"] = [BUILTIN_CALLBACK, *ours]
    return result


def write_configs(directory: Path, config: Path = CONFIG) -> dict[str, Path]:
    """target -> config file for the LiteLLM targets (``tuned`` is the shipped file itself)."""
    source = shipped(config)
    paths = {TUNED: config}
    for name, derive in ((STOCK, stock_config), (BUILTIN, builtin_config), (OURS, ours_config)):
        path = directory / f"config-{name}.yaml"
        path.write_text(yaml.safe_dump(derive(source), sort_keys=False))
        paths[name] = path
    return paths


def stock_env(env: dict[str, str], base: dict[str, str]) -> dict[str, str]:
    """``env`` (a gateway's environment) without the LiteLLM variables of ours (``base``: LITELLM_BASE_ENV and
    anything the tuned profile adds there) except STOCK_KEEPS_ENV, and without the Prometheus multiprocess
    directory (no prometheus callback). The worker ping timeout (TIMEOUT_WORKER_HEALTHCHECK) stays: without it a
    multi-worker stock target on a busy machine restarts its workers forever, so every target gets it alike."""
    drop = {k for k in base if k not in STOCK_KEEPS_ENV} | {"PROMETHEUS_MULTIPROC_DIR"}
    return {k: v for k, v in env.items() if k not in drop}
