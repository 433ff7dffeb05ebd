"""Cost and budgets (uid llmgw-cost): spend by team/user/model, today, month to date, projected month end,
cache savings and cache health, budgets."""

from __future__ import annotations

from grafana_foundation_sdk.models import common as common_models

from llmgw.dashboards.panels import LLMGW, Board, Q, bars, single, tabular, ts


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
    b.row("Prompt cache")
    tokens = f"llmgw_tokens_total{{{LLMGW}"
    writes = f"llmgw_cache_write_spend_usd_total{{{LLMGW}}}"
    b.add(
        ts(
            "Cache hit ratio by model group and team",
            "Cache-read tokens / all prompt tokens (uncached + read + written). A collapse (a changed system prompt, "
            "a client that stopped sending cache_control) multiplies the team's input bill: alert "
            "LLMCacheHitRatioCollapsed.",
            "percentunit",
            [
                Q(
                    f'sum by (model_group, team) (rate({tokens}, type="cache_read"}}[$__rate_interval])) / '
                    f'sum by (model_group, team) (rate({tokens}, type=~"input|cache_read|cache_write"}}'
                    "[$__rate_interval]))",
                    "{{model_group}} {{team}}",
                )
            ],
        )
    )
    b.add(
        ts(
            "Cache-write spend rate by model group and team",
            "USD per hour spent writing the prompt cache (5-minute writes at the cache-write price, 1-hour writes "
            "at the 1-hour price); part of the spend above.",
            "currencyUSD",
            [Q(f"sum by (model_group, team) (rate({writes}[$__rate_interval])) * 3600", "{{model_group}} {{team}}")],
        )
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
            w=12,
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
            "panel is neither split nor filtered by them; the budget panels show who is at the limit.",
            "reqps",
            [Q('sum(rate(llmgw_requests_total{outcome="budget_exceeded"}[$__rate_interval]))', "budget_exceeded")],
        )
    )
    return b
