#!/usr/bin/env python3
"""Generate the Grafana dashboards of the LLM gateway with grafana-foundation-sdk (Grafana 11 build).

    .venv/bin/python infra/grafana/generate_dashboards.py           write infra/grafana/dashboards/*.json
    .venv/bin/python infra/grafana/generate_dashboards.py --check   exit 1 if a committed file is stale

The JSON files are committed (Grafana provisions them from infra/grafana/dashboards/); edit this script, not
the JSON, and re-run it. tests/observability checks that the committed files equal a fresh generation and
evaluates every panel query against VictoriaMetrics filled by real gateway traffic.

Conventions: every panel and every query names the provisioned datasource (uid ``victoriametrics``); every
panel has a title, a description (which dashboard variables filter it is appended automatically) and a unit.
Variables: ``model`` (model group), ``team`` and ``user``, multi-value with All = ``.*`` so that series without
the label (anonymous traffic) are included.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grafana_foundation_sdk.builders import bargauge, common, dashboard, prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as models
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "dashboards"
DATASOURCE = models.DataSourceRef(type_val="prometheus", uid="victoriametrics")
TAG = "llm-gateway"

# Label filters by metric family (only the labels a family really has; see docs/observability.md).
LLMGW = 'model_group=~"$model", team=~"$team", user=~"$user"'  # llmgw_requests/tokens/spend/cache_savings
LATENCY = 'model_group=~"$model", team=~"$team", user=~"$user"'  # litellm_*latency*/ttft histograms
PROXY = 'requested_model=~"$model", team=~"$team", user=~"$user"'  # litellm_proxy_* request counters
DEPLOYMENT = 'model_group=~"$model", team=~"$team"'  # litellm_deployment_* counters
FALLBACK = 'requested_model=~"$model", team=~"$team"'  # litellm_deployment_*_fallbacks
QUEUE = 'requested_model=~"$model", team=~"$team", user=~"$user"'  # litellm_request_queue_time_seconds


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


def ts(title: str, description: str, unit: str, queries: list[Q], *, w: int = 12, h: int = 8, stack: bool = False):
    builder = (
        timeseries.Panel()
        .title(title)
        .description(describe(description, queries))
        .unit(unit)
        .datasource(DATASOURCE)
        .span(w)
        .height(h)
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
        stat.Panel()
        .title(title)
        .description(describe(description, [q]))
        .unit(unit)
        .datasource(DATASOURCE)
        .span(w)
        .height(h)
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
        table.Panel()
        .title(title)
        .description(describe(description, [q]))
        .unit(unit)
        .datasource(DATASOURCE)
        .span(w)
        .height(h)
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
        bargauge.Panel()
        .title(title)
        .description(describe(description, queries))
        .unit(unit)
        .datasource(DATASOURCE)
        .span(w)
        .height(h)
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


# --- Dashboards ---------------------------------------------------------------------------------------------


def usage() -> Board:
    b = Board(
        "llmgw-usage",
        "LLM Gateway / Usage overview",
        "Who uses the gateway, how much and with which models: requests, tokens, active users and the top "
        "users, teams and model groups.",
    )
    req = f"llmgw_requests_total{{{LLMGW}}}"
    tok = f"llmgw_tokens_total{{{LLMGW}}}"
    b.row("Selected time range")
    b.add(
        single(
            "Requests",
            "Client requests answered by the gateway (all outcomes).",
            "short",
            Q(f"sum(increase({req}[$__range]))"),
        )
    )
    b.add(
        single(
            "Success rate",
            "Share of requests that succeeded (outcome=success).",
            "percentunit",
            Q(
                f'sum(increase(llmgw_requests_total{{{LLMGW}, outcome="success"}}[$__range])) '
                f"/ sum(increase({req}[$__range]))"
            ),
            steps=((None, "red"), (0.95, "orange"), (0.99, "green")),
        )
    )
    b.add(
        single(
            "Tokens",
            "Tokens processed: input, output, cache reads and cache writes.",
            "short",
            Q(f"sum(increase({tok}[$__range]))"),
        )
    )
    b.add(
        single(
            "Active users",
            "Users with at least one request.",
            "short",
            Q(f'count(sum by (user) (increase(llmgw_requests_total{{{LLMGW}, user!=""}}[$__range])) > 0)'),
        )
    )
    b.add(
        single(
            "Active teams",
            "Teams with at least one request.",
            "short",
            Q(f'count(sum by (team) (increase(llmgw_requests_total{{{LLMGW}, team!=""}}[$__range])) > 0)'),
        )
    )
    b.add(
        single(
            "Spend",
            "Cost in USD of the successful requests (LiteLLM's response_cost).",
            "currencyUSD",
            Q(f"sum(increase(llmgw_spend_usd_total{{{LLMGW}}}[$__range]))"),
            decimals=2,
        )
    )
    b.row("Traffic")
    b.add(
        ts(
            "Requests per second by model group",
            "Client request rate per model group.",
            "reqps",
            [Q(f"sum by (model_group) (rate({req}[$__rate_interval]))", "{{model_group}}")],
            stack=True,
        )
    )
    b.add(
        ts(
            "Requests per second by outcome",
            "success, client_error (4xx), upstream_error (5xx/timeouts), rate_limited, budget_exceeded.",
            "reqps",
            [Q(f"sum by (outcome) (rate({req}[$__rate_interval]))", "{{outcome}}")],
            stack=True,
        )
    )
    b.add(
        ts(
            "Tokens per second by type",
            "input (uncached), output, cache_read, cache_write.",
            "short",
            [Q(f"sum by (type) (rate({tok}[$__rate_interval]))", "{{type}}")],
            stack=True,
        )
    )
    b.add(
        ts(
            "Tokens per second by model group",
            "All token types together, per model group.",
            "short",
            [Q(f"sum by (model_group) (rate({tok}[$__rate_interval]))", "{{model_group}}")],
            stack=True,
        )
    )
    b.add(
        ts(
            "Active users (rolling hour)",
            "Distinct users with a request in the hour before each point.",
            "short",
            [Q(f'count(sum by (user) (increase(llmgw_requests_total{{{LLMGW}, user!=""}}[1h])) > 0)', "users")],
        )
    )
    b.add(
        ts(
            "Requests per second by route and status",
            "LiteLLM's own request counter, by API route "
            "(/v1/chat/completions, /v1/messages, /bedrock/...) and HTTP status.",
            "reqps",
            [
                Q(
                    f"sum by (route, status_code) (rate(litellm_proxy_total_requests_metric_total{{{PROXY}}}"
                    "[$__rate_interval]))",
                    "{{route}} {{status_code}}",
                )
            ],
        )
    )
    b.row("Top consumers (selected time range)")
    b.add(
        tabular(
            "Top users by requests",
            "The 10 users with the most requests.",
            "short",
            Q(f"topk(10, sum by (user) (increase({req}[$__range])))"),
            "Requests",
        )
    )
    b.add(
        tabular(
            "Top teams by tokens",
            "The 10 teams with the most tokens.",
            "short",
            Q(f"topk(10, sum by (team) (increase({tok}[$__range])))"),
            "Tokens",
        )
    )
    b.add(
        tabular(
            "Top model groups by requests",
            "Requests per model group.",
            "short",
            Q(f"sort_desc(sum by (model_group) (increase({req}[$__range])))"),
            "Requests",
        )
    )
    return b


def cost() -> Board:
    b = Board(
        "llmgw-cost",
        "LLM Gateway / Cost and budgets",
        "Spend in USD from LiteLLM's own cost calculation for the model that served each request: by team, "
        "user and model, today, month to date and projected to month end (UTC), cache savings and budgets.",
        timezone="utc",
    )
    spend = f"llmgw_spend_usd_total{{{LLMGW}}}"
    savings = f"llmgw_cache_savings_usd_total{{{LLMGW}}}"
    b.row("Spend")
    b.add(
        single(
            "Spend today (UTC)",
            "Spend since 00:00 UTC (panel time range: today so far).",
            "currencyUSD",
            Q(f"sum(increase({spend}[$__range]))"),
            time_from="now/d",
            decimals=2,
        )
    )
    b.add(
        single(
            "Month to date (UTC)",
            "Spend since the 1st of the month, 00:00 UTC.",
            "currencyUSD",
            Q(f"sum(increase({spend}[$__range]))"),
            time_from="now/M",
            decimals=2,
        )
    )
    b.add(
        single(
            "Projected month-end spend",
            "Month-to-date spend extrapolated linearly to the whole month (spend so far / elapsed time x "
            "length of the month).",
            "currencyUSD",
            Q(f"sum(increase({spend}[$__range])) / $__range_s * (days_in_month() * 86400)"),
            time_from="now/M",
            decimals=2,
        )
    )
    b.add(
        single(
            "Spend in the selected range",
            "Spend over the dashboard's time range.",
            "currencyUSD",
            Q(f"sum(increase({spend}[$__range]))"),
            decimals=2,
        )
    )
    b.add(
        single(
            "Cache savings in the selected range",
            "What prompt-cache reads saved: cache-read tokens x (input price - cache-read price).",
            "currencyUSD",
            Q(f"sum(increase({savings}[$__range]))"),
            decimals=2,
        )
    )
    b.add(
        single(
            "Cache savings ratio",
            "Savings / (spend + savings): how much cheaper caching made the traffic.",
            "percentunit",
            Q(
                f"sum(increase({savings}[$__range])) / (sum(increase({spend}[$__range])) "
                f"+ sum(increase({savings}[$__range])))"
            ),
        )
    )
    b.row("Spend over time")
    b.add(
        ts(
            "Spend rate by team",
            "USD per hour, per team (empty = keys without a team).",
            "currencyUSD",
            [Q(f"sum by (team) (rate({spend}[$__rate_interval])) * 3600", "{{team}}")],
            stack=True,
        )
    )
    b.add(
        ts(
            "Spend rate by user (top 10)",
            "USD per hour of the 10 most expensive users at each point.",
            "currencyUSD",
            [Q(f"topk(10, sum by (user) (rate({spend}[$__rate_interval])) * 3600)", "{{user}}")],
        )
    )
    b.add(
        ts(
            "Spend rate by model group",
            "USD per hour, per model group.",
            "currencyUSD",
            [Q(f"sum by (model_group) (rate({spend}[$__rate_interval])) * 3600", "{{model_group}}")],
            stack=True,
        )
    )
    b.add(
        ts(
            "Spend rate by served Bedrock model",
            "USD per hour, per Bedrock model id that actually answered (after fallbacks).",
            "currencyUSD",
            [Q(f"sum by (model) (rate({spend}[$__rate_interval])) * 3600", "{{model}}")],
            stack=True,
        )
    )
    b.add(
        ts(
            "Cache savings rate by model group",
            "USD per hour saved by prompt-cache reads.",
            "currencyUSD",
            [Q(f"sum by (model_group) (rate({savings}[$__rate_interval])) * 3600", "{{model_group}}")],
        )
    )
    b.add(
        ts(
            "Hourly spend",
            "USD spent in each hour (bars; the last bar is the hour so far).",
            "currencyUSD",
            [Q(f"sum(increase({spend}[1h]))", "USD per hour")],
        )
        .interval("1h")
        .draw_style(common_models.GraphDrawStyle.BARS)
        .fill_opacity(80)
    )
    b.row("Breakdown (selected time range)")
    b.add(
        tabular(
            "Spend by team, user and model group",
            "USD per team, user and model group.",
            "currencyUSD",
            Q(f"sort_desc(sum by (team, user, model_group) (increase({spend}[$__range])))"),
            "Spend",
            w=12,
        )
    )
    b.add(
        tabular(
            "Spend by cost centre and key",
            "USD per cost centre (key/team metadata cost_center, or a cost-center:<x> request tag) and key alias.",
            "currencyUSD",
            Q(f"sort_desc(sum by (cost_center, key_alias) (increase({spend}[$__range])))"),
            "Spend",
            w=12,
        )
    )
    b.row("Budgets")
    b.add(
        bars(
            "Budget utilisation (users and keys)",
            "Spend / max budget as of each user's or key's latest request (1 = budget used up, requests are "
            "then rejected). Users follow the user variable; keys are always listed.",
            "percentunit",
            [
                Q(
                    'max by (scope, name) (llmgw_budget_utilisation_ratio{scope="user", name=~"$user"} '
                    'or llmgw_budget_utilisation_ratio{scope="key"})',
                    "{{scope}} {{name}}",
                )
            ],
            min=0,
            max=1,
            steps=((None, "green"), (0.8, "orange"), (0.9, "red")),
        )
    )
    b.add(
        bars(
            "Remaining budget by team",
            "LiteLLM's remaining team budget in USD (teams with a max budget).",
            "currencyUSD",
            [Q('min by (team) (litellm_remaining_team_budget_metric{team=~"$team"} < +Inf)', "{{team}}")],
            w=6,
        )
    )
    b.add(
        bars(
            "Remaining budget by user",
            "LiteLLM's remaining user budget in USD (users with a max budget).",
            "currencyUSD",
            [Q('min by (user) (litellm_remaining_user_budget_metric{user=~"$user"} < +Inf)', "{{user}}")],
            w=6,
        )
    )
    b.add(
        tabular(
            "Remaining budget by key",
            "LiteLLM's remaining key budget in USD (keys with a max budget).",
            "currencyUSD",
            Q("sort(min by (api_key_alias) (litellm_remaining_api_key_budget_metric < +Inf))"),
            "Remaining",
            w=12,
        )
    )
    b.add(
        ts(
            "Budget rejections",
            "Requests rejected because a key, user or team budget was spent. LiteLLM "
            "rejects them while authenticating, before the caller's team, user and model are known, so this "
            "panel is neither split nor filtered by them; the remaining-budget panels show who is at the limit.",
            "reqps",
            [Q('sum(rate(llmgw_requests_total{outcome="budget_exceeded"}[$__rate_interval]))', "budget_exceeded")],
        )
    )
    return b


def latency() -> Board:
    b = Board(
        "llmgw-latency-errors",
        "LLM Gateway / Latency and errors",
        "Latency percentiles (total, upstream Bedrock, time to first token, gateway overhead), errors by class, "
        "Bedrock throttling and model fallbacks.",
    )
    req = f"llmgw_requests_total{{{LLMGW}}}"
    throttles = f'litellm_deployment_failure_responses_total{{{DEPLOYMENT}, exception_status="429"}}'
    b.row("Latency")
    b.add(
        ts(
            "Total request latency",
            "End to end, as the client sees it (streams: until the last chunk).",
            "s",
            quantiles("litellm_request_total_latency_metric", LATENCY),
        )
    )
    b.add(
        ts(
            "Upstream (Bedrock) latency",
            "Time LiteLLM waited for Bedrock per call.",
            "s",
            quantiles("litellm_llm_api_latency_metric", LATENCY),
        )
    )
    b.add(
        ts(
            "Time to first token",
            "Streaming requests: time until the first chunk came from Bedrock.",
            "s",
            quantiles("litellm_llm_api_time_to_first_token_metric", LATENCY),
        )
    )
    b.add(
        ts(
            "Gateway overhead",
            "Time LiteLLM itself added (auth, routing, logging), excluding Bedrock.",
            "s",
            quantiles("litellm_overhead_latency_metric", 'model_group=~"$model"'),
        )
    )
    b.add(
        ts(
            "p95 total latency by model group",
            "95th percentile of total latency per model group.",
            "s",
            [
                Q(
                    "histogram_quantile(0.95, sum by (le, model_group) ("
                    f"rate(litellm_request_total_latency_metric_bucket{{{LATENCY}}}[$__rate_interval])))",
                    "{{model_group}}",
                )
            ],
        )
    )
    b.add(
        ts(
            "p95 latency per output token by model group",
            "Generation speed: seconds per output token (lower is faster).",
            "s",
            [
                Q(
                    "histogram_quantile(0.95, sum by (le, model_group) (rate("
                    f"litellm_deployment_latency_per_output_token_bucket{{{DEPLOYMENT}}}[$__rate_interval])))",
                    "{{model_group}}",
                )
            ],
        )
    )
    b.add(
        ts(
            "p95 queue time",
            "Time a request waited inside the gateway before it was sent to Bedrock.",
            "s",
            [
                Q(
                    "histogram_quantile(0.95, sum by (le) (rate(litellm_request_queue_time_seconds_bucket"
                    f"{{{QUEUE}}}[$__rate_interval])))",
                    "p95",
                )
            ],
            w=24,
            h=6,
        )
    )
    b.row("Errors")
    b.add(
        ts(
            "Error rate by outcome",
            "Share of requests per failed outcome (client_error, upstream_error, rate_limited, budget_exceeded).",
            "percentunit",
            [
                Q(
                    f'sum by (outcome) (rate(llmgw_requests_total{{{LLMGW}, outcome!="success"}}[$__rate_interval])) '
                    f"/ ignoring(outcome) group_left sum(rate({req}[$__rate_interval]))",
                    "{{outcome}}",
                )
            ],
        )
    )
    b.add(
        ts(
            "Errors per second by exception class",
            "Failed requests by exception class (Bedrock.RateLimitError = Bedrock throttling).",
            "reqps",
            [
                Q(
                    f'sum by (exception_class) (rate(llmgw_requests_total{{{LLMGW}, outcome!="success"}}'
                    "[$__rate_interval]))",
                    "{{exception_class}}",
                )
            ],
            stack=True,
        )
    )
    b.add(
        tabular(
            "Errors by outcome, class and model group",
            "Failed requests in the selected range.",
            "short",
            Q(
                f"sort_desc(sum by (outcome, exception_class, model_group) (increase(llmgw_requests_total"
                f'{{{LLMGW}, outcome!="success"}}[$__range])))'
            ),
            "Requests",
            w=12,
        )
    )
    b.add(
        ts(
            "Upstream failures by status",
            "Calls to Bedrock that failed, by HTTP status and model group (retried and fallen-back calls included).",
            "reqps",
            [
                Q(
                    f"sum by (exception_status, model_group) (rate(litellm_deployment_failure_responses_total"
                    f"{{{DEPLOYMENT}}}[$__rate_interval]))",
                    "{{exception_status}} {{model_group}}",
                )
            ],
        )
    )
    b.row("Throttling and fallbacks")
    b.add(
        single(
            "Bedrock throttles in the selected range",
            "Upstream calls Bedrock answered with 429.",
            "short",
            Q(f"sum(increase({throttles}[$__range]))"),
            w=6,
            steps=((None, "green"), (1, "orange")),
        )
    )
    b.add(
        single(
            "Throttle share of upstream calls",
            "Throttled / all calls to Bedrock in the selected range.",
            "percentunit",
            Q(
                f"sum(increase({throttles}[$__range])) / sum(increase("
                f"litellm_deployment_total_requests_total{{{DEPLOYMENT}}}[$__range]))"
            ),
            w=6,
            steps=((None, "green"), (0.01, "orange"), (0.05, "red")),
        )
    )
    b.add(
        single(
            "Requests rate-limited in the selected range",
            "Client requests that ended in 429 (throttling no retry/fallback absorbed, or gateway limits).",
            "short",
            Q(f'sum(increase(llmgw_requests_total{{{LLMGW}, outcome="rate_limited"}}[$__range]))'),
            w=6,
            steps=((None, "green"), (1, "orange")),
        )
    )
    b.add(
        single(
            "Fallbacks in the selected range",
            "Requests answered (or attempted) by a fallback model.",
            "short",
            Q(
                'sum(increase({__name__=~"litellm_deployment_(successful|failed)_fallbacks_total", '
                f"{FALLBACK}}}[$__range]))"
            ),
            w=6,
            steps=((None, "green"), (1, "orange")),
        )
    )
    b.add(
        ts(
            "Bedrock throttles per second by model group",
            "Upstream 429 (ThrottlingException) rate.",
            "reqps",
            [Q(f"sum by (model_group) (rate({throttles}[$__rate_interval]))", "{{model_group}}")],
            w=12,
        )
    )
    b.add(
        ts(
            "Fallbacks per second",
            "Requests moved from the requested model group to a fallback: successful "
            "(the fallback answered) and failed (the fallback failed too).",
            "reqps",
            [
                Q(
                    "sum by (requested_model, fallback_model) (rate(litellm_deployment_successful_fallbacks_total"
                    f"{{{FALLBACK}}}[$__rate_interval]))",
                    "ok {{requested_model}} → {{fallback_model}}",
                ),
                Q(
                    "sum by (requested_model, fallback_model) (rate(litellm_deployment_failed_fallbacks_total"
                    f"{{{FALLBACK}}}[$__rate_interval]))",
                    "failed {{requested_model}} → {{fallback_model}}",
                ),
            ],
            w=12,
        )
    )
    return b


def health() -> Board:
    b = Board(
        "llmgw-health",
        "LLM Gateway / Gateway health",
        "LiteLLM tasks up, in-flight requests, memory and CPU per worker, deployment state, scrape health, "
        "VictoriaMetrics and vmalert self-metrics.",
    )
    b.row("Tasks")
    b.add(
        single(
            "LiteLLM tasks up",
            "Tasks whose /metrics/ scrape succeeds (one target per task).",
            "short",
            Q('sum(up{job="litellm"})'),
            steps=((None, "red"), (1, "green")),
        )
    )
    b.add(
        single(
            "LiteLLM tasks down",
            "Discovered tasks whose scrape fails.",
            "short",
            Q('count(up{job="litellm"} == 0) or vector(0)'),
            steps=((None, "green"), (1, "red")),
        )
    )
    b.add(
        single(
            "In-flight requests",
            "LLM requests in progress now, all tasks.",
            "short",
            Q("sum(llmgw_in_flight_requests)"),
        )
    )
    b.add(
        single(
            "Alerts firing",
            "Alerts vmalert reports as firing.",
            "short",
            Q("sum(vmalert_alerts_firing)"),
            steps=((None, "green"), (1, "red")),
        )
    )
    b.add(
        single(
            "Alerts pending",
            "Alerts whose condition holds but not yet for their `for` duration.",
            "short",
            Q("sum(vmalert_alerts_pending)"),
            steps=((None, "green"), (1, "orange")),
        )
    )
    b.add(
        single(
            "Requests per second",
            "Client requests per second, all tasks.",
            "reqps",
            Q("sum(rate(llmgw_requests_total[5m]))"),
            decimals=2,
        )
    )
    b.add(
        ts(
            "Scrape health by target",
            "1 = the last scrape succeeded, 0 = it failed.",
            "short",
            [Q("up", "{{job}} {{instance}}")],
        )
    )
    b.add(
        ts(
            "Scrape duration by target",
            "How long each scrape took.",
            "s",
            [Q("scrape_duration_seconds", "{{job}} {{instance}}")],
        )
    )
    b.row("Load per task")
    b.add(
        ts(
            "In-flight requests per task",
            "Requests in progress per task: our gauge and LiteLLM's.",
            "short",
            [
                Q("sum by (instance) (llmgw_in_flight_requests)", "llmgw {{instance}}"),
                Q("sum by (instance) (litellm_in_flight_requests)", "litellm {{instance}}"),
            ],
        )
    )
    b.add(
        ts(
            "Requests per second per task",
            "Load balance across tasks.",
            "reqps",
            [Q(f"sum by (instance) (rate(llmgw_requests_total{{{LLMGW}}}[$__rate_interval]))", "{{instance}}")],
        )
    )
    b.add(
        ts(
            "Memory per worker (RSS)",
            "Resident memory of each LiteLLM worker process.",
            "bytes",
            [Q("llmgw_process_resident_memory_bytes", "{{instance}} pid {{pid}}")],
        )
    )
    b.add(
        ts(
            "CPU per worker",
            "CPU used by each LiteLLM worker (1 = one full core).",
            "percentunit",
            [Q("rate(llmgw_process_cpu_seconds_total[$__rate_interval])", "{{instance}} pid {{pid}}")],
        )
    )
    b.add(
        ts(
            "Deployment state",
            "LiteLLM's view of each Bedrock deployment: 0 healthy, 1 partial outage, 2 complete outage (cooled down).",
            "short",
            [Q("max by (litellm_model_name) (litellm_deployment_state)", "{{litellm_model_name}}")],
        )
    )
    b.add(
        ts(
            "Series folded by the label cap",
            "llmgw_* observations folded into the 'other' label value "
            "because a metric reached its series cap (LLMGW_MAX_SERIES_PER_METRIC).",
            "short",
            [Q("sum by (metric) (increase(llmgw_label_overflow_total[$__rate_interval]))", "{{metric}}")],
        )
    )
    b.add(
        ts(
            "Callback errors",
            "Exceptions caught inside our cost-metrics callback, by hook:exception class (requests are never affected, "
            "but the llmgw_* figures miss what failed; see the gateway logs). 0 when there were none.",
            "short",
            [
                Q(
                    "sum by (kind) (increase(llmgw_callback_errors_total[$__rate_interval])) or on() vector(0)",
                    "{{kind}}",
                )
            ],
        )
    )
    b.row("VictoriaMetrics and vmalert")
    b.add(
        ts(
            "Ingestion rate",
            "Samples written per second.",
            "short",
            [Q("sum(rate(vm_rows_inserted_total[$__rate_interval]))", "samples/s")],
            w=8,
        )
    )
    b.add(
        ts(
            "Active time series",
            "Series that received samples in the current hour.",
            "short",
            [Q('sum(vm_cache_entries{type="storage/hour_metric_ids"})', "series")],
            w=8,
        )
    )
    b.add(
        ts(
            "Disk: data size and free space",
            "Bytes stored and bytes left on the storage volume.",
            "bytes",
            [Q("sum(vm_data_size_bytes)", "data"), Q("min(vm_free_disk_space_bytes)", "free")],
            w=8,
        )
    )
    b.add(
        ts(
            "Memory of VictoriaMetrics and vmalert",
            "Resident memory of the monitoring processes.",
            "bytes",
            [Q('process_resident_memory_bytes{job=~"victoriametrics|vmalert"}', "{{job}}")],
            w=8,
        )
    )
    b.add(
        ts(
            "Scrapes per second",
            "Scrapes done and failed per second.",
            "short",
            [
                Q("sum(rate(vm_promscrape_scrapes_total[$__rate_interval]))", "scrapes"),
                Q("sum(rate(vm_promscrape_scrapes_failed_total[$__rate_interval]))", "failed"),
            ],
            w=8,
        )
    )
    b.add(
        ts(
            "vmalert evaluations",
            "Rule evaluations and evaluation errors per second; missed iterations.",
            "short",
            [
                Q("sum(rate(vmalert_execution_total[$__rate_interval]))", "evaluations"),
                Q("sum(rate(vmalert_execution_errors_total[$__rate_interval]))", "errors"),
                Q("sum(rate(vmalert_iteration_missed_total[$__rate_interval]))", "missed"),
            ],
            w=8,
        )
    )
    return b


BOARDS = (usage, cost, latency, health)


# --- Assembly -----------------------------------------------------------------------------------------------


def variable(name: str, label: str, query: str) -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(query)
        .refresh(models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(models.VariableOption(selected=True, text="All", value="$__all"))
    )


def build(board: Board) -> dict:
    d = (
        dashboard.Dashboard(board.title)
        .uid(board.uid)
        .description(board.description)
        .tags([TAG])
        .editable()
        .readonly()
        .timezone(board.timezone)
        .time("now-6h", "now")
        .refresh("1m")
        .tooltip(models.DashboardCursorSync.CROSSHAIR)
        .link(
            dashboard.DashboardLink("LLM Gateway")
            .type(models.DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
        )
        .annotation(
            dashboard.AnnotationQuery()
            .name("Annotations & Alerts")
            .datasource(models.DataSourceRef(type_val="grafana", uid="-- Grafana --"))
            .enable(True)
            .hide(True)
            .icon_color("rgba(0, 211, 255, 1)")
            .type("dashboard")
            .built_in(1)
        )
        .with_variable(variable("model", "Model group", "label_values(llmgw_requests_total, model_group)"))
        .with_variable(variable("team", "Team", 'label_values(llmgw_requests_total{model_group=~"$model"}, team)'))
        .with_variable(
            variable("user", "User", 'label_values(llmgw_requests_total{model_group=~"$model", team=~"$team"}, user)')
        )
    )
    for kind, item in board.panels:
        d = d.with_row(dashboard.Row(item)) if kind == "row" else d.with_panel(item)
    data = json.loads(json.dumps(d.build(), cls=JSONEncoder))
    for i, panel in enumerate(p for p in data["panels"] if p["type"] == "row"):
        panel["id"] = 1000 + i
    layout(data["panels"])
    return data


def layout(panels: list[dict]) -> None:
    """Left to right, wrapping at Grafana's 24 columns; a row starts a new line at full width."""
    x = y = line_height = 0
    for panel in panels:
        pos = panel["gridPos"]
        if panel["type"] == "row":
            y, x, line_height = y + line_height, 0, 0
            panel["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": y}
            y += 1
            continue
        if x + pos["w"] > 24:
            y, x, line_height = y + line_height, 0, 0
        panel["gridPos"] = {"h": pos["h"], "w": pos["w"], "x": x, "y": y}
        x += pos["w"]
        line_height = max(line_height, pos["h"])


def render(board: Board) -> str:
    return json.dumps(build(board), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def file_name(board: Board) -> str:
    return re.sub(r"^llmgw-", "", board.uid) + ".json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed dashboard differs")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    stale = []
    wanted = {}
    for factory in BOARDS:
        board = factory()
        wanted[file_name(board)] = render(board)
    for name, text in wanted.items():
        path = args.out_dir / name
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(name)
        else:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    extra = sorted(p.name for p in args.out_dir.glob("*.json") if p.name not in wanted) if args.out_dir.is_dir() else []
    if args.check and (stale or extra):
        problems = [f"stale: {', '.join(stale)}"] if stale else []
        problems += [f"not generated by this script: {', '.join(extra)}"] if extra else []
        print(f"error: dashboards out of date ({'; '.join(problems)}): run {Path(__file__).name}", file=sys.stderr)
        return 1
    if not args.check:
        print(f"wrote {len(wanted)} dashboards to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
