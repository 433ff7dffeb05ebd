"""Usage overview (uid llmgw-usage): requests, tokens, active users, top users/teams/model groups."""

from __future__ import annotations

from llmgw.dashboards.panels import LLMGW, PROXY, Board, Q, single, tabular, ts


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
