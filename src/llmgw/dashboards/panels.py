"""Shared panel builders of the dashboards: one call per panel kind (time series, stat, table, bar gauge), the
label filters of each metric family, and the Board a dashboard module fills.

Conventions: every panel and every query names the provisioned datasource (uid ``victoriametrics``); every panel has
a title, a description (which dashboard variables filter it is appended automatically) and a unit. Variables:
``model`` (model group), ``team`` and ``user``, multi-value with All = ``.*`` so that series without the label
(anonymous traffic) are included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grafana_foundation_sdk.builders import bargauge, common, dashboard, prometheus, stat, table, timeseries
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as models
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

DATASOURCE = models.DataSourceRef(type_val="prometheus", uid="victoriametrics")

# Label filters by metric family (only the labels a family really has; see docs/observability.md).
LLMGW = 'model_group=~"$model", team=~"$team", user=~"$user"'  # llmgw_requests/tokens/spend/cache_savings
# LiteLLM's built-in metrics carry no user label (config.yaml prometheus_exclude_labels: user ids are personal);
# only our llmgw_* metrics filter by user, whose label is a pseudonym.
LATENCY = 'model_group=~"$model", team=~"$team"'  # litellm_*latency*/ttft histograms
PROXY = 'requested_model=~"$model", team=~"$team"'  # litellm_proxy_* request counters
DEPLOYMENT = 'model_group=~"$model", team=~"$team"'  # litellm_deployment_* counters
FALLBACK = 'requested_model=~"$model", team=~"$team"'  # litellm_deployment_*_fallbacks
QUEUE = 'requested_model=~"$model", team=~"$team"'  # litellm_request_queue_time_seconds


@dataclass(frozen=True)
class Q:
    """One panel target."""

    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False


@dataclass
class Board:
    uid: str
    title: str
    description: str
    timezone: str = "browser"
    panels: list = field(default_factory=list)
    next_id: int = 1

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def row(self, title: str) -> None:
        self.panels.append(("row", title))

    def add(self, builder) -> None:
        self.panels.append(("panel", builder.id(self._id())))


def describe(description: str, queries: list[Q]) -> str:
    used = [name for name in ("model", "team", "user") if any(f"${name}" in q.expr for q in queries)]
    suffix = f"Filtered by: {', '.join(used)}." if used else "Not filtered by the dashboard variables."
    return f"{description} {suffix}"


def target(q: Q, ref: str) -> prometheus.Dataquery:
    t = prometheus.Dataquery().expr(q.expr).ref_id(ref).datasource(DATASOURCE).editor_mode("code")
    t = t.legend_format(q.legend or "__auto")
    if q.table:
        t = t.format(PromQueryFormat.TABLE)
    return t.instant() if q.instant or q.table else t.range()


def with_targets(builder, queries: list[Q]):
    for i, q in enumerate(queries):
        builder = builder.with_target(target(q, chr(ord("A") + i)))
    return builder


def thresholds(*steps: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(models.ThresholdsMode.ABSOLUTE)
        .steps([models.Threshold(value=value, color=color) for value, color in steps])
    )


def framed(panel, title: str, description: str, unit: str, queries: list[Q], w: int, h: int):
    """What every panel has: its title, a description naming the variables that filter it, a unit, the datasource
    and its size (width in Grafana's 24 columns, height)."""
    return (
        panel.title(title)
        .description(describe(description, queries))
        .unit(unit)
        .datasource(DATASOURCE)
        .span(w)
        .height(h)
    )


def ts(title: str, description: str, unit: str, queries: list[Q], *, w: int = 12, h: int = 8, stack: bool = False):
    builder = (
        framed(timeseries.Panel(), title, description, unit, queries, w, h)
        .fill_opacity(10 if not stack else 60)
        .line_width(1)
        .legend(common.VizLegendOptions().show_legend(True).display_mode(common_models.LegendDisplayMode.LIST))
        .tooltip(
            common.VizTooltipOptions()
            .mode(common_models.TooltipDisplayMode.MULTI)
            .sort(common_models.SortOrder.DESCENDING)
        )
    )
    if stack:
        builder = builder.stacking(common.StackingConfig().mode(common_models.StackingMode.NORMAL))
    return with_targets(builder, queries)


def single(
    title: str,
    description: str,
    unit: str,
    query: Q,
    *,
    w: int = 4,
    h: int = 4,
    time_from: str | None = None,
    steps: tuple[tuple[float | None, str], ...] = ((None, "blue"),),
    decimals: int | None = None,
):
    q = Q(query.expr, query.legend, instant=True)
    builder = (
        framed(stat.Panel(), title, description, unit, [q], w, h)
        .no_value("0")
        .graph_mode(common_models.BigValueGraphMode.NONE)
        .color_mode(common_models.BigValueColorMode.VALUE)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .thresholds(thresholds(*steps))
    )
    if decimals is not None:
        builder = builder.decimals(decimals)
    if time_from:
        builder = builder.time_from(time_from).hide_time_override(False)
    return with_targets(builder, [q])


def tabular(title: str, description: str, unit: str, query: Q, value_name: str, *, w: int = 8, h: int = 8):
    q = Q(query.expr, query.legend, table=True)
    builder = (
        framed(table.Panel(), title, description, unit, [q], w, h)
        .with_transformation(
            models.DataTransformerConfig(
                id_val="organize",
                options={"excludeByName": {"Time": True}, "renameByName": {"Value": value_name}},
            )
        )
        .sort_by([common.TableSortByFieldState().display_name(value_name).desc(True)])
    )
    return with_targets(builder, [q])


def bars(title: str, description: str, unit: str, queries: list[Q], *, w: int = 12, h: int = 8, **kw):
    builder = (
        framed(bargauge.Panel(), title, description, unit, queries, w, h)
        .orientation(common_models.VizOrientation.HORIZONTAL)
        .display_mode(common_models.BarGaugeDisplayMode.GRADIENT)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .thresholds(thresholds(*kw.get("steps", ((None, "blue"),))))
    )
    if "min" in kw:
        builder = builder.min(kw["min"])
    if "max" in kw:
        builder = builder.max(kw["max"])
    return with_targets(builder, [Q(q.expr, q.legend, instant=True) for q in queries])


def quantiles(metric: str, filters: str, by: str = "") -> list[Q]:
    group = f"le, {by}" if by else "le"
    return [
        Q(
            f"histogram_quantile({p}, sum by ({group}) (rate({metric}_bucket{{{filters}}}[$__rate_interval])))",
            f"p{int(p * 100)}" + (f" {{{{{by}}}}}" if by else ""),
        )
        for p in (0.5, 0.95, 0.99)
    ]
