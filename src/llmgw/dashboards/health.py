"""Gateway health (uid llmgw-health): tasks up, in-flight requests, memory/CPU per worker, scrape health,
VictoriaMetrics and vmalert, the key broker's issuances and refusals."""

from __future__ import annotations

from llmgw.dashboards.panels import LLMGW, Board, Q, single, ts


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
    broker(b)
    return b


def broker(b: Board) -> None:
    """The key broker (llmgw.broker, job "key-broker"): logins it answered with a key, and the ones it refused. Labels
    are bounded (llmgw/broker/metrics.py): method aws|oidc|github, rule a rule name of the policy file, reason one of
    llmgw.broker.errors.REASONS, reused true|false."""
    b.row("Key broker")
    b.add(
        single(
            "Keys issued (1h)",
            "Logins the key broker answered with a key in the last hour (re-issues within the re-issue window "
            "included).",
            "short",
            Q("sum(increase(llmgw_broker_keys_issued_total[1h]))"),
        )
    )
    b.add(
        single(
            "Logins refused (1h)",
            "Logins the key broker refused in the last hour: 401 bad proof, 403 no rule admits the principal, "
            "503 STS/IdP/gateway unavailable.",
            "short",
            Q("sum(increase(llmgw_broker_refusals_total[1h]))"),
            steps=((None, "green"), (1, "orange")),
        )
    )
    b.add(
        single(
            "STS / IdP unavailable (1h)",
            "Logins refused with 503 because STS or the OIDC issuer did not answer (runbook LLMBrokerUpstreamDown).",
            "short",
            Q('sum(increase(llmgw_broker_refusals_total{reason=~"sts_unavailable|idp_unavailable"}[1h])) or vector(0)'),
            steps=((None, "green"), (1, "red")),
        )
    )
    b.add(
        ts(
            "Keys issued by method and rule",
            "Keys handed out per interval, by proof method (aws, oidc, github) and the policy rule that admitted the "
            "principal; reused = a repeated login within the re-issue window got the same key.",
            "short",
            [
                Q(
                    "sum by (method, rule, reused) (increase(llmgw_broker_keys_issued_total[$__rate_interval]))",
                    "{{method}} {{rule}} reused={{reused}}",
                )
            ],
        )
    )
    b.add(
        ts(
            "Logins refused by method, reason and rule",
            "Refusals per interval, by proof method, reason (invalid_proof, expired_proof, no_rule, sts_unavailable, "
            "...) and rule (empty when no rule was reached).",
            "short",
            [
                Q(
                    "sum by (method, reason, rule) (increase(llmgw_broker_refusals_total[$__rate_interval]))",
                    "{{method}} {{reason}} {{rule}}",
                )
            ],
        )
    )
