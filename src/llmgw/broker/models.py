"""The names the gateway serves, read from its config.yaml (the file delivered to LiteLLM, rendered from models.yaml).

A policy names model groups (``claude-haiku-4-5``). A key limited to a group must also be allowed every other name
that reaches the same deployment: the group's dated aliases (``model_group_alias``) and the hidden Bedrock-id
entries Bedrock-native clients send (``us.anthropic.claude-haiku-4-5-20251001-v1:0``), or LiteLLM refuses those
names for that key. Two model_list entries are the same model when they invoke the same ``litellm_params.model``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml


class ModelsError(ValueError):
    pass


@dataclass(frozen=True)
class GatewayModels:
    groups: Mapping[str, tuple[str, ...]]
    """Listed group name -> every name that reaches its deployment (the group first)."""

    def names(self) -> list[str]:
        return list(self.groups)

    def expand(self, groups: list[str]) -> list[str]:
        return [name for group in groups for name in self.groups[group]]


def parse(config: Mapping[str, object]) -> GatewayModels:
    entries = config.get("model_list")
    if not isinstance(entries, list):
        raise ModelsError("the gateway config has no model_list")
    by_deployment: dict[str, list[str]] = defaultdict(list)
    listed: dict[str, str] = {}
    for entry in entries:
        name, model = entry.get("model_name"), (entry.get("litellm_params") or {}).get("model")
        if not isinstance(name, str) or not isinstance(model, str):
            continue
        by_deployment[model].append(name)
        if (entry.get("model_info") or {}).get("discoverable") is not False:
            listed[name] = model
    router = config.get("router_settings") or {}
    aliases = router.get("model_group_alias") or {} if isinstance(router, Mapping) else {}
    alias_of: dict[str, list[str]] = defaultdict(list)
    for alias, target in aliases.items():
        alias_of[target["model"] if isinstance(target, Mapping) else str(target)].append(alias)
    groups: dict[str, tuple[str, ...]] = {}
    for group, model in listed.items():
        names = [group, *(n for n in by_deployment[model] if n != group)]
        names += [a for n in names for a in alias_of.get(n, [])]
        groups[group] = tuple(dict.fromkeys(names))
    return GatewayModels(groups)


def load(path: Path) -> GatewayModels:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelsError(f"cannot read the gateway config {path}: {exc}") from None
    if not isinstance(data, Mapping):
        raise ModelsError(f"{path} is not a LiteLLM config")
    return parse(data)
