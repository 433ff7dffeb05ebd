"""The model catalogue (infra/litellm/models.yaml): loading, validation against LiteLLM's pinned cost map, and
the model list, aliases and fallbacks it renders into infra/litellm/config.yaml.

config.yaml keeps everything else hand-written; the three generated blocks sit between marker comments::

    # >>> generated from models.yaml: model_list (make config)
    ...
    # <<< generated from models.yaml: model_list

A profile prefix is valid for a model only when the pinned cost map prices ``<prefix>.<bedrock_model>``: that is
both "the model exists in that geography" and "LiteLLM can price it". Prices are never written anywhere else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from llmgw.paths import REPO

CATALOGUE = REPO / "infra" / "litellm" / "models.yaml"
CONFIG = REPO / "infra" / "litellm" / "config.yaml"

PROFILE_PREFIXES = ("global", "us", "eu", "jp", "au", "apac")
BLOCKS = ("model_list", "model_group_alias", "fallbacks")
_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_MODEL_KEYS = frozenset({"name", "bedrock_model", "description", "aliases", "fallbacks", "model_info"})


class CatalogueError(ValueError):
    """models.yaml is wrong; the message names the entry and what to change."""


@dataclass(frozen=True)
class Model:
    name: str
    bedrock_model: str
    description: str
    aliases: tuple[str, ...] = ()
    fallbacks: tuple[str, ...] = ()
    model_info: Mapping[str, object] = field(default_factory=dict)
    """Extra model_info of the deployment, e.g. negotiated prices (docs/cost-tracking.md)."""


@dataclass(frozen=True)
class Catalogue:
    profile_prefix: str
    models: tuple[Model, ...]
    path: Path = field(default=CATALOGUE, compare=False)

    def profile_id(self, model: Model) -> str:
        """The inference-profile id the gateway invokes, e.g. ``global.anthropic.claude-opus-5-5``."""
        return f"{self.profile_prefix}.{model.bedrock_model}"

    def names(self) -> list[str]:
        return [model.name for model in self.models]

    def alias_map(self) -> dict[str, str]:
        return {alias: model.name for model in self.models for alias in model.aliases}


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CatalogueError(f"{where} must be a list of names")
    return tuple(value)


def _model(index: int, spec: object) -> Model:
    where = f"models[{index}]"
    if not isinstance(spec, Mapping):
        raise CatalogueError(f"{where} must be a mapping with name, bedrock_model, description")
    unknown = sorted(set(spec) - _MODEL_KEYS)
    if unknown:
        raise CatalogueError(
            f"{where} ({spec.get('name', '?')}): unknown keys {unknown}; allowed: {sorted(_MODEL_KEYS)}"
        )
    for key in ("name", "bedrock_model", "description"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise CatalogueError(f"{where}: '{key}' is required (a non-empty string)")
    name = spec["name"]
    if not _NAME.match(name):
        raise CatalogueError(f"{where}: name {name!r} must be lower-case letters, digits, '.' and '-'")
    info = spec.get("model_info") or {}
    if not isinstance(info, Mapping) or "description" in info:
        raise CatalogueError(f"{where} ({name}).model_info must be a mapping (description has its own key)")
    return Model(
        name=name,
        bedrock_model=spec["bedrock_model"],
        description=spec["description"].strip(),
        aliases=_strings(spec.get("aliases"), f"{where} ({name}).aliases"),
        fallbacks=_strings(spec.get("fallbacks"), f"{where} ({name}).fallbacks"),
        model_info=dict(info),
    )


def cost_map() -> Mapping[str, Mapping[str, object]]:
    """LiteLLM's pinned cost map (never the remote one)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    return litellm.model_cost


def parse(data: object, *, path: Path = CATALOGUE, prices: Mapping[str, object] | None = None) -> Catalogue:
    """Validate a loaded models.yaml; raises CatalogueError naming the first problem."""
    if not isinstance(data, Mapping) or set(data) != {"profile_prefix", "models"}:
        raise CatalogueError(f"{path}: expected exactly the keys 'profile_prefix' and 'models'")
    prefix = data["profile_prefix"]
    if prefix not in PROFILE_PREFIXES:
        raise CatalogueError(f"{path}: profile_prefix {prefix!r} is not one of {', '.join(PROFILE_PREFIXES)}")
    raw_models = data["models"]
    if not isinstance(raw_models, list) or not raw_models:
        raise CatalogueError(f"{path}: 'models' must be a non-empty list")
    models = tuple(_model(index, spec) for index, spec in enumerate(raw_models))
    seen: dict[str, str] = {}
    for model in models:
        for name in (model.name, *model.aliases):
            if name in seen:
                raise CatalogueError(f"{path}: {name!r} is used twice ({seen[name]} and {model.name})")
            seen[name] = model.name
    groups = {model.name for model in models}
    for model in models:
        for target in model.fallbacks:
            if target == model.name:
                raise CatalogueError(f"{path}: {model.name} falls back to itself")
            if target not in groups:
                raise CatalogueError(
                    f"{path}: {model.name} falls back to {target!r}, which is not a model of the catalogue "
                    f"(known: {', '.join(sorted(groups))})"
                )
    catalogue = Catalogue(profile_prefix=prefix, models=models, path=path)
    priced = cost_map() if prices is None else prices
    for model in models:
        if model.bedrock_model not in priced:
            raise CatalogueError(
                f"{path}: {model.name}: {model.bedrock_model!r} is not a Bedrock model LiteLLM's pinned cost map knows"
            )
        profile_id = catalogue.profile_id(model)
        if profile_id not in priced:
            offered = [p for p in PROFILE_PREFIXES if f"{p}.{model.bedrock_model}" in priced]
            raise CatalogueError(
                f"{path}: {model.name} is not offered through the '{prefix}.' inference profiles "
                f"(no {profile_id} in LiteLLM's pinned cost map; it is offered through: "
                f"{', '.join(offered) or 'none'}). "
                "Remove it (and the fallbacks naming it) or choose another profile_prefix."
            )
    return catalogue


def load(path: Path = CATALOGUE) -> Catalogue:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path} is not valid YAML: {exc}") from None
    return parse(data, path=path)


# ------------------------------------------------------------------------------------------------- rendering


def model_list(catalogue: Catalogue) -> list[dict[str, object]]:
    return [
        {
            "model_name": model.name,
            "litellm_params": {
                "model": f"bedrock/{catalogue.profile_id(model)}",
                "aws_region_name": "os.environ/AWS_REGION",
            },
            "model_info": {"description": model.description, **model.model_info},
        }
        for model in catalogue.models
    ]


def model_group_alias(catalogue: Catalogue) -> dict[str, dict[str, object]]:
    """Dated ids resolve to their group and stay out of /v1/models (hidden), which lists each model once."""
    return {alias: {"model": group, "hidden": True} for alias, group in catalogue.alias_map().items()}


def fallbacks(catalogue: Catalogue) -> list[dict[str, list[str]]]:
    """One entry per group AND per alias: LiteLLM's router looks fallbacks up by the name the client sent, so a
    dated id without its own entry gets "no fallback model group found" when Bedrock throttles."""
    entries: list[dict[str, list[str]]] = []
    for model in catalogue.models:
        if model.fallbacks:
            for name in (model.name, *model.aliases):
                entries.append({name: list(model.fallbacks)})
    return entries


class _IndentedDumper(yaml.SafeDumper):
    """Sequences indented under their key, like the hand-written rest of config.yaml (yamllint's
    indent-sequences: consistent)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _dump(value: object, indent: int) -> list[str]:
    text = yaml.dump(
        value, Dumper=_IndentedDumper, sort_keys=False, default_flow_style=False, width=120, allow_unicode=True
    )
    return [(" " * indent + line) if line else line for line in text.rstrip("\n").split("\n")]


def rendered_blocks(catalogue: Catalogue) -> dict[str, object]:
    return {
        "model_list": {"model_list": model_list(catalogue)},
        "model_group_alias": {"model_group_alias": model_group_alias(catalogue)},
        "fallbacks": {"fallbacks": fallbacks(catalogue)},
    }


def _markers(block: str) -> tuple[str, str]:
    return (
        f"# >>> generated from models.yaml: {block} (make config)",
        f"# <<< generated from models.yaml: {block}",
    )


def render_config(text: str, catalogue: Catalogue) -> str:
    """config.yaml's text with the three generated blocks replaced; raises CatalogueError without markers."""
    lines = text.split("\n")
    blocks = rendered_blocks(catalogue)
    for block in BLOCKS:
        begin, end = _markers(block)
        starts = [i for i, line in enumerate(lines) if line.strip() == begin]
        ends = [i for i, line in enumerate(lines) if line.strip() == end]
        if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
            raise CatalogueError(f"config.yaml needs exactly one '{begin}' ... '{end}' pair")
        indent = len(lines[starts[0]]) - len(lines[starts[0]].lstrip())
        lines = [*lines[: starts[0] + 1], *_dump(blocks[block], indent), *lines[ends[0] :]]
    return "\n".join(lines)


def config_is_current(config: Path = CONFIG, catalogue: Catalogue | None = None) -> bool:
    text = config.read_text(encoding="utf-8")
    return render_config(text, catalogue or load()) == text


def write_config(config: Path = CONFIG, catalogue: Catalogue | None = None) -> bool:
    """Renders config.yaml in place; True when it changed."""
    text = config.read_text(encoding="utf-8")
    new = render_config(text, catalogue or load())
    if new == text:
        return False
    config.write_text(new, encoding="utf-8")
    return True


def bedrock_model_ids(catalogue: Catalogue) -> Iterable[str]:
    return (model.bedrock_model for model in catalogue.models)


PRICE_COLUMNS = (
    ("input", "input_cost_per_token"),
    ("output", "output_cost_per_token"),
    ("5m write", "cache_creation_input_token_cost"),
    ("1h write", "cache_creation_input_token_cost_above_1hr"),
    ("cache read", "cache_read_input_token_cost"),
)


def price_table(catalogue: Catalogue, prices: Mapping[str, Mapping[str, object]] | None = None) -> str:
    """The prices LiteLLM's pinned cost map gives each served profile, USD per million tokens (Markdown)."""
    priced = cost_map() if prices is None else prices
    lines = [
        "| model | inference profile | " + " | ".join(title for title, _ in PRICE_COLUMNS) + " | long-context tier |",
        "|---|---|" + "---|" * len(PRICE_COLUMNS) + "---|",
    ]
    for model in catalogue.models:
        entry = priced[catalogue.profile_id(model)]
        cells = []
        for _, key in PRICE_COLUMNS:
            value = entry.get(key)
            cells.append(f"{float(value) * 1e6:g}" if isinstance(value, int | float) else "–")
        tiers = sorted(
            k.removeprefix("input_cost_per_token_") for k in entry if k.startswith("input_cost_per_token_above_")
        )
        lines.append(
            f"| `{model.name}` | `{catalogue.profile_id(model)}` | "
            + " | ".join(cells)
            + f" | {', '.join(tiers) or '–'} |"
        )
    return "\n".join(lines)
