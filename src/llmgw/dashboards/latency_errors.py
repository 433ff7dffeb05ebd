"""Latency and errors (uid llmgw-latency-errors): p50/p95/p99 total and Bedrock latency, time to first token,
gateway overhead, errors, throttling, fallbacks."""

from __future__ import annotations

from llmgw.dashboards.panels import (
    DEPLOYMENT,
    FALLBACK,
    LATENCY,
    LLMGW,
    QUEUE,
    Board,
    Q,
    quantiles,
    single,
    tabular,
    ts,
)


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
