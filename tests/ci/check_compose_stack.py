#!/usr/bin/env python3
"""Check that the observability half of a running docker-compose stack works (run by the CI compose job).

    check_compose_stack.py --victoriametrics-url http://127.0.0.1:8428 --vmalert-url http://127.0.0.1:8880 \\
        [--grafana-url http://127.0.0.1:3000] [--timeout 180] [--json]

Waits (up to --timeout seconds) until:
  * VictoriaMetrics scrapes every target of its scrape config successfully and holds gateway metrics
    (`llmgw_requests_total`, exported by our callback through the authenticated /metrics/ endpoint);
  * vmalert has loaded every rule group of infra/grafana/alerts/*.yml (same group names);
  * Grafana (when --grafana-url is given; admin password from GRAFANA_ADMIN_PASSWORD) answers healthy, refuses
    anonymous API calls, serves no /metrics of its own, has the `victoriametrics` datasource and every dashboard uid
    of infra/grafana/dashboards.
Exit 0 when all hold, 1 with one line per failed check otherwise, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
ALERTS_DIR = REPO / "infra" / "grafana" / "alerts"
DASHBOARDS_DIR = REPO / "infra" / "grafana" / "dashboards"
GATEWAY_METRIC = "llmgw_requests_total"


class CheckFailed(Exception):
    """A check that did not hold (yet)."""


def get_json(url: str, headers: dict[str, str] | None = None, timeout: float = 10.0) -> object:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.load(resp)


def status_of(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def expected_rule_groups(alerts_dir: Path = ALERTS_DIR) -> set[str]:
    groups: set[str] = set()
    for path in sorted(alerts_dir.glob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        groups.update(g["name"] for g in doc.get("groups") or [])
    return groups


def expected_dashboard_uids(dashboards_dir: Path = DASHBOARDS_DIR) -> set[str]:
    uids = set()
    for path in sorted(dashboards_dir.glob("*.json")):
        uid = json.loads(path.read_text()).get("uid")
        if uid:
            uids.add(uid)
    return uids


def check_victoriametrics(vm_url: str) -> str:
    targets = get_json(f"{vm_url}/api/v1/targets")
    active = (targets.get("data") or {}).get("activeTargets") or []  # type: ignore[union-attr]
    if not active:
        raise CheckFailed("VictoriaMetrics has no active scrape targets")
    down = [f"{t.get('scrapeUrl')}: {t.get('lastError') or t.get('health')}" for t in active if t.get("health") != "up"]
    if down:
        raise CheckFailed("scrape targets not up: " + "; ".join(down))
    query = urllib.parse.urlencode({"query": f"count({GATEWAY_METRIC})"})
    result = get_json(f"{vm_url}/api/v1/query?{query}")
    series = (result.get("data") or {}).get("result") or []  # type: ignore[union-attr]
    if not series or float(series[0]["value"][1]) < 1:
        raise CheckFailed(f"VictoriaMetrics has no {GATEWAY_METRIC} series yet")
    return f"{len(active)} scrape target(s) up, {GATEWAY_METRIC} stored"


def check_vmalert(vmalert_url: str, expected: set[str]) -> str:
    if not expected:
        raise CheckFailed(f"no rule groups found in {ALERTS_DIR}")
    rules = get_json(f"{vmalert_url}/api/v1/rules")
    loaded = {g.get("name") for g in (rules.get("data") or {}).get("groups") or []}  # type: ignore[union-attr]
    missing = expected - loaded
    if missing:
        raise CheckFailed(f"vmalert has not loaded rule groups {sorted(missing)} (loaded: {sorted(loaded)})")
    return f"vmalert loaded {len(expected)} rule group(s)"


def check_alertmanager(alertmanager_url: str, vmalert_url: str) -> str:
    """Alertmanager is ready and vmalert sends to it (no -notifier.blackhole: alerts reach a receiver)."""
    if status_of(f"{alertmanager_url}/-/ready") != 200:
        raise CheckFailed("Alertmanager is not ready")
    # vmalert exports a vmalert_alerts_sent_total series per notifier address, 0 until the first alert
    with urllib.request.urlopen(f"{vmalert_url}/metrics", timeout=10) as r:
        targets = [line for line in r.read().decode().splitlines() if line.startswith("vmalert_alerts_sent_total{")]
    if not any("alertmanager:9093/api/v2/alerts" in t for t in targets):
        raise CheckFailed(f"vmalert does not notify Alertmanager (its notifiers: {targets})")
    return "Alertmanager ready, vmalert notifies it"


def check_grafana(grafana_url: str, password: str, expected_uids: set[str]) -> str:
    health = get_json(f"{grafana_url}/api/health")
    if (health or {}).get("database") != "ok":  # type: ignore[union-attr]
        raise CheckFailed(f"Grafana is not healthy: {health}")
    anonymous = status_of(f"{grafana_url}/api/search")
    if anonymous != 401:
        raise CheckFailed(f"Grafana answered {anonymous} to an anonymous API call (anonymous access must be off)")
    own_metrics = status_of(f"{grafana_url}/metrics")
    if own_metrics == 200:
        raise CheckFailed("Grafana serves its own /metrics (GF_METRICS_ENABLED must be false)")
    auth = {"Authorization": "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()}
    if status_of(f"{grafana_url}/api/datasources/uid/victoriametrics", auth) != 200:
        raise CheckFailed("Grafana has no datasource with uid victoriametrics")
    found = {d.get("uid") for d in get_json(f"{grafana_url}/api/search?type=dash-db", auth)}  # type: ignore[union-attr]
    missing = expected_uids - found
    if not expected_uids:
        raise CheckFailed(f"no dashboards found in {DASHBOARDS_DIR}")
    if missing:
        raise CheckFailed(f"Grafana has not provisioned dashboards {sorted(missing)}")
    return f"Grafana healthy, datasource victoriametrics, {len(expected_uids)} dashboard(s)"


def wait_for(name: str, check: Callable[[], str], deadline: float, interval: float = 3.0) -> tuple[bool, str]:
    last = ""
    while True:
        try:
            return True, check()
        except (CheckFailed, urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
            last = str(exc) or exc.__class__.__name__
        if time.monotonic() >= deadline:
            return False, f"{name}: {last}"
        time.sleep(interval)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--victoriametrics-url", required=True)
    p.add_argument("--vmalert-url", required=True)
    p.add_argument("--alertmanager-url", help="also check Alertmanager and that vmalert notifies it")
    p.add_argument("--grafana-url", help="also check Grafana (admin password from GRAFANA_ADMIN_PASSWORD)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for every check (default 120)")
    p.add_argument("--alerts-dir", type=Path, default=ALERTS_DIR, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    if args.timeout <= 0:
        p.error("--timeout must be positive")
    if args.grafana_url and not os.environ.get("GRAFANA_ADMIN_PASSWORD"):
        p.error("--grafana-url needs GRAFANA_ADMIN_PASSWORD in the environment")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.timeout
    vm, vmalert = args.victoriametrics_url.rstrip("/"), args.vmalert_url.rstrip("/")
    checks: list[tuple[str, Callable[[], str]]] = [
        ("victoriametrics", lambda: check_victoriametrics(vm)),
        ("vmalert", lambda: check_vmalert(vmalert, expected_rule_groups(args.alerts_dir))),
    ]
    if args.alertmanager_url:
        alertmanager = args.alertmanager_url.rstrip("/")
        checks.append(("alertmanager", lambda: check_alertmanager(alertmanager, vmalert)))
    if args.grafana_url:
        grafana, password = args.grafana_url.rstrip("/"), os.environ["GRAFANA_ADMIN_PASSWORD"]
        checks.append(("grafana", lambda: check_grafana(grafana, password, expected_dashboard_uids())))
    results = {name: wait_for(name, check, deadline) for name, check in checks}
    if args.json:
        print(json.dumps({name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()}))
    else:
        for name, (ok, detail) in results.items():
            print(f"{'ok' if ok else 'FAILED'}: {detail if ok else detail.removeprefix(name + ': ')} [{name}]")
    return 0 if all(ok for ok, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
