"""Read the provisioned dashboards and turn their panel targets into the queries Grafana would send."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import yaml

from llmgw.paths import CONFIG, REPO

GRAFANA = REPO / "infra" / "grafana"
DASHBOARD_DIR = GRAFANA / "dashboards"
DATASOURCE_UID = "victoriametrics"
INSTANT_PANELS = frozenset({"stat", "gauge", "bargauge", "table", "piechart"})

# Grafana's global variables the queries may use, longest names first (so $__range_s is not read as $__range).
GLOBAL_VARIABLES = ("__range_ms", "__range_s", "__range", "__rate_interval", "__interval_ms", "__interval")
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")
_REGEX_SPECIAL = re.compile(r"([\\^$*+?.()|{}\[\]])")


def load_dashboards(directory: Path = DASHBOARD_DIR) -> dict[str, dict]:
    """file name -> dashboard JSON."""
    return {path.name: json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))}


def all_panels(dashboard: Mapping) -> Iterator[dict]:
    """Every panel, rows' nested panels included (rows themselves too)."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def query_panels(dashboard: Mapping) -> Iterator[dict]:
    return (p for p in all_panels(dashboard) if p.get("type") != "row")


def variable_names(dashboard: Mapping) -> set[str]:
    return {v["name"] for v in dashboard.get("templating", {}).get("list", [])}


def used_variables(text: str) -> set[str]:
    return {next(g for g in m.groups() if g) for m in _VARIABLE.finditer(text)}


def regex_escape(value: str) -> str:
    """How Grafana's Prometheus datasource escapes a variable value used in a regex matcher."""
    return _REGEX_SPECIAL.sub(r"\\\1", value)


def expand(expr: str, values: Mapping[str, str]) -> str:
    """Substitute $var, ${var}, ${var:fmt} and [[var]]; unknown variables are an error."""

    def replace(match: re.Match) -> str:
        name = next(g for g in match.groups() if g)
        if name not in values:
            raise KeyError(f"variable ${name} has no value (expression: {expr})")
        return values[name]

    return _VARIABLE.sub(replace, expr)


@dataclass(frozen=True)
class PanelQuery:
    dashboard: str
    panel: str
    ref_id: str
    expr: str
    instant: bool

    @property
    def name(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref_id}"


def panel_queries(dashboards: Mapping[str, Mapping]) -> list[PanelQuery]:
    queries = []
    for dashboard in dashboards.values():
        for panel in query_panels(dashboard):
            for t in panel.get("targets", []):
                instant = (bool(t.get("instant")) and not t.get("range")) or panel["type"] in INSTANT_PANELS
                queries.append(PanelQuery(dashboard["uid"], panel["title"], t["refId"], t["expr"], instant))
    return queries


# Series of the built-in exporter that LiteLLM's middleware writes whatever prometheus_metrics_config says.
MIDDLEWARE_SERIES = frozenset({"litellm_in_flight_requests"})
_LITELLM_SERIES = re.compile(r"litellm_(?:[a-z_]|\([a-z_|]+\))+")
_ALTERNATIVES = re.compile(r"\(([a-z_|]+)\)")


@functools.cache
def exporter_metrics() -> frozenset[str]:
    """Every metric name LiteLLM's built-in exporter defines (the pinned LiteLLM's DEFINED_PROMETHEUS_METRICS)."""
    from litellm.types.integrations.prometheus import DEFINED_PROMETHEUS_METRICS

    return frozenset(get_args(DEFINED_PROMETHEUS_METRICS))


def configured_exporter_metrics(config: Path = CONFIG) -> list[str]:
    """The metrics the gateway config's prometheus_metrics_config keeps, in order ([] without that setting)."""
    groups = yaml.safe_load(config.read_text())["litellm_settings"].get("prometheus_metrics_config") or []
    return [metric for group in groups for metric in group["metrics"]]


def litellm_series_in(text: str, defined: frozenset[str] | None = None) -> set[str]:
    """LiteLLM metric families a text reads (dashboards, alert rules, runbooks): series names with their
    _bucket/_sum/_count/_total suffix removed, `a_(b|c)_d` regex alternatives expanded, kept when `defined`
    (default: the exporter's metric names) holds them, so that labels such as litellm_model_name drop out."""
    defined = exporter_metrics() if defined is None else defined
    found = set()
    for match in _LITELLM_SERIES.finditer(text):
        names = [""]
        for part in re.split(r"(\([a-z_|]+\))", match.group(0)):
            alternatives = _ALTERNATIVES.fullmatch(part)
            options = alternatives.group(1).split("|") if alternatives else [part]
            names = [name + option for name in names for option in options]
        for name in names:
            for suffix in ("_bucket", "_sum", "_count"):
                name = name.removesuffix(suffix)
            for candidate in (name, name.removesuffix("_total")):
                if candidate in defined:
                    found.add(candidate)
    return found
