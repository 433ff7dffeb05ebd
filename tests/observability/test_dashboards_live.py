"""No dead panels: every target of every dashboard, with its variables expanded to All and to one concrete value,
returns data from VictoriaMetrics after real traffic went through the real gateway."""

from __future__ import annotations

import math
import re
import time

import pytest

from observability.dashboards import (
    MIDDLEWARE_SERIES,
    PanelQuery,
    configured_exporter_metrics,
    expand,
    litellm_series_in,
    load_dashboards,
    panel_queries,
    regex_escape,
)
from observability.livestack import ALICE, MetricsStack

# The identity the test traffic uses for everything (see traffic.identity_traffic).
CONCRETE = {"model": "claude-opus-4-5", "team": "platform", "user": ALICE}
RANGE_STEP = "5s"
RATE_INTERVAL = "30s"  # what Grafana computes from the datasource's scrape interval, scaled to this test's 1s


def grafana_globals(window_s: int) -> dict[str, str]:
    return {
        "__range": f"{window_s}s",
        "__range_s": str(window_s),
        "__range_ms": str(window_s * 1000),
        "__rate_interval": RATE_INTERVAL,
        "__interval": RANGE_STEP,
        "__interval_ms": str(int(RANGE_STEP.removesuffix("s")) * 1000),
    }


def label_values_query(query: str) -> tuple[str, str]:
    """label_values(selector, label) -> (selector, label), as Grafana sends it to /api/v1/label/<label>/values."""
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", query)
    assert m, query
    return m.group(1), m.group(2)


def has_finite_value(query: PanelQuery, result: list[dict]) -> bool:
    values = [r["value"][1] for r in result] if query.instant else [v[1] for r in result for v in r["values"]]
    return any(math.isfinite(float(v)) for v in values)


def evaluate_all(stack: MetricsStack, values: dict[str, str]) -> list[str]:
    """Run every panel target; returns one line per query that errored or returned no (finite) data."""
    now = time.time()
    window = int(now - stack.started) + 60
    problems = []
    for query in panel_queries(load_dashboards()):
        if "llmgw_broker_" in query.expr:  # the key broker's panels: test_broker_panels_live.py (its own stack)
            continue
        expr = expand(query.expr, {**grafana_globals(window), **values})
        try:
            if query.instant:
                result = stack.vm.query(expr, at=now)
            else:
                result = stack.vm.query_range(expr, now - window, now, RANGE_STEP)
        except AssertionError as e:
            problems.append(f"{query.name}: ERROR {e}")
            continue
        if not result:
            problems.append(f"{query.name}: no series for {expr}")
        elif not has_finite_value(query, result):
            problems.append(f"{query.name}: only NaN/Inf values for {expr}")
    return problems


def test_every_query_panel_is_counted() -> None:
    queries = panel_queries(load_dashboards())
    assert len({q.dashboard for q in queries}) == 4
    assert len(queries) >= 60


def test_variables_offer_the_concrete_values(metrics_stack: MetricsStack) -> None:
    """The values used below are real options of the dashboards' variable queries (chained model -> team -> user)."""
    for dashboard in load_dashboards().values():
        chosen: dict[str, str] = {}
        for variable in dashboard["templating"]["list"]:
            selector, label = label_values_query(expand(variable["query"], chosen or {"model": ".*", "team": ".*"}))
            options = metrics_stack.vm.label_values(label, selector)
            assert CONCRETE[variable["name"]] in options, (dashboard["uid"], variable["name"], options)
            chosen[variable["name"]] = regex_escape(CONCRETE[variable["name"]])


@pytest.mark.parametrize(
    "values",
    [{name: ".*" for name in CONCRETE}, {name: regex_escape(value) for name, value in CONCRETE.items()}],
    ids=["all", "concrete"],
)
def test_no_dead_panels(metrics_stack: MetricsStack, values: dict[str, str]) -> None:
    problems = evaluate_all(metrics_stack, values)
    assert not problems, f"{len(problems)} dead panel queries:\n" + "\n".join(problems)


def test_tasks_are_scraped_one_by_one(metrics_stack: MetricsStack) -> None:
    """Both gateway tasks are separate targets (never one address in front of both); the dead one shows as down."""
    up = {r["metric"]["instance"]: float(r["value"][1]) for r in metrics_stack.vm.query('up{job="litellm"}')}
    gateways = {server.target for server in metrics_stack.metrics_servers}
    assert up == {**dict.fromkeys(gateways, 1.0), metrics_stack.dead_target: 0.0}
    per_task = metrics_stack.vm.query("sum by (instance) (llmgw_requests_total)")
    assert {r["metric"]["instance"] for r in per_task} == gateways
    for job in ("victoriametrics", "vmalert"):
        (self_up,) = metrics_stack.vm.query(f'up{{job="{job}"}}')
        assert self_up["value"][1] == "1", job
        assert self_up["metric"]["environment"] == "test"


def test_panel_numbers_match_the_traffic(metrics_stack: MetricsStack) -> None:
    """Spot checks that the dashboards show what happened, not just something: alice's budget ratio, the
    throttle-driven fallback from opus to sonnet, and the successful requests the clients saw."""
    vm = metrics_stack.vm
    ratio = vm.query(f'max(llmgw_budget_utilisation_ratio{{scope="user", name="{ALICE}"}})')
    assert 0.94 <= float(ratio[0]["value"][1]) < 1.0  # 18.8 of 20 USD spent before the traffic, plus its cost
    fallbacks = vm.query('sum(litellm_deployment_successful_fallbacks_total{requested_model="claude-opus-4-5", '
                         'fallback_model="claude-sonnet-4-5"})')  # fmt: skip
    assert float(fallbacks[0]["value"][1]) >= 4  # two throttle-fallback requests per round (alice, master), 2 rounds
    successes = sum(n for (_, _, status), n in metrics_stack.traffic.statuses.items() if status == 200)
    counted = vm.query('sum(llmgw_requests_total{outcome="success"})')
    assert float(counted[0]["value"][1]) >= successes


def test_the_exporter_writes_only_the_series_something_reads(metrics_stack: MetricsStack) -> None:
    """The shipped prometheus_metrics_config holds at run time: after the whole traffic (successes, fallbacks,
    throttling, budgets), the scraped litellm_* families are the configured ones (and the middleware's gauge),
    so the ~85 series LiteLLM would otherwise update on every request are neither computed nor stored."""
    listed = set(configured_exporter_metrics())
    names = metrics_stack.vm.label_values("__name__", '{__name__=~"litellm_.+"}')
    assert names, "no litellm_* series scraped at all"
    per_name = {name: litellm_series_in(name) for name in names}
    unknown = sorted(name for name, families in per_name.items() if not families)
    assert not unknown, f"series the exporter's metric names do not explain: {unknown}"
    families = set().union(*per_name.values())
    assert families - MIDDLEWARE_SERIES <= listed, sorted(families - MIDDLEWARE_SERIES - listed)
