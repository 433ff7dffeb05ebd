"""Prove a gateway deployment works end to end: health, models, chat (plain and streamed), /v1/messages (plain
and streamed), count_tokens, the requests visible in VictoriaMetrics, admin routes refused, /metrics not public.
Every check is named and timed; exit code 1 when any check failed.

  smoke_test.py https://dxxxx.cloudfront.net                        # a deployment (key: see below)
  smoke_test.py http://127.0.0.1:4000 --victoriametrics-url http://127.0.0.1:8428    # the local stack
  smoke_test.py URL --json-report smoke.json --junit-xml smoke.xml  # reports for CI

URL: the argument, else $LITELLM_GATEWAY_URL, else output gateway_url of --tf-outputs FILE. Key for model calls:
--api-key, else $LITELLM_API_KEY, else the master key ($LITELLM_MASTER_KEY, --master-key-secret-arn, or the
outputs' secret_arns.litellm_master_key). Keys are never printed.

--admin-routes says what "admin routes refused" means: "blocked" (a deployment: the edge answers 403 for every
admin/UI route, even those LiteLLM serves without a key, e.g. /ui/ and /routes, and for /metrics), "protected" (a
local or docker-compose stack: the gateway itself answers 401/403 without credentials), "skip", or "auto" (default:
blocked for https URLs that are not loopback, else protected). Run it from outside admin_allowed_cidrs, or the
blocked check fails. Exit codes: 0 all checks passed (skipped ones allowed), 1 a check failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from llmgw.admin.config import ConfigError, add_connection_args, resolve_api_key, resolve_gateway_url
from llmgw.admin.output import emit_json, error
from llmgw.admin.reports import counts, json_report, junit_xml
from llmgw.admin.smoke import CheckResult, SmokeTest
from llmgw.cli_types import positive_float

CHECK_NAMES = [name for name, _ in SmokeTest(url="http://x", api_key="").checks()]
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smoke_test.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", nargs="?", metavar="URL", help="gateway base URL (see above)")
    parser.add_argument("--api-key", help="key for the model calls (default: $LITELLM_API_KEY, then the master key)")
    parser.add_argument("--model", default="claude-haiku-4-5", help="model group to call (default: claude-haiku-4-5)")
    parser.add_argument("--admin-routes", choices=("auto", "blocked", "protected", "skip"), default="auto",
                        help="which admin-route check applies (default: auto)")  # fmt: skip
    parser.add_argument("--victoriametrics-url", metavar="URL",
                        help="VictoriaMetrics to find this run's requests in (default: check skipped)")  # fmt: skip
    parser.add_argument("--metrics-query", default="sum(llmgw_requests_total)",
                        help="PromQL whose value must rise by the model requests of this run")  # fmt: skip
    parser.add_argument("--metrics-wait", type=positive_float, default=90.0, metavar="SECONDS",
                        help="how long the requests may take to show up in VictoriaMetrics (default: 90)")  # fmt: skip
    parser.add_argument("--skip", action="append", default=[], choices=CHECK_NAMES, metavar="CHECK",
                        help=f"skip a check (repeatable): {', '.join(CHECK_NAMES)}")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the JSON report instead of the check lines")
    parser.add_argument("--json-report", type=Path, metavar="FILE", help="also write the JSON report to FILE")
    parser.add_argument("--junit-xml", type=Path, metavar="FILE", help="also write a JUnit XML report to FILE")
    add_connection_args(parser, url_flag=False)
    parser.set_defaults(timeout=60.0)
    return parser


def print_line(result: CheckResult) -> None:
    mark = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[result.status]
    print(f"{mark}  {result.name:<24} {result.duration_s:7.2f}s  {result.detail}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not (args.url or os.environ.get("LITELLM_GATEWAY_URL") or args.tf_outputs):
        error("no gateway URL: pass URL, set LITELLM_GATEWAY_URL or pass --tf-outputs FILE")
        return EXIT_USAGE
    try:
        url = resolve_gateway_url(args.url, args.tf_outputs)
        key = resolve_api_key(args.api_key, args.master_key_secret_arn, args.tf_outputs)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_USAGE
    smoke = SmokeTest(
        url=url,
        api_key=key,
        model=args.model,
        timeout=args.timeout,
        admin_routes=args.admin_routes,
        victoriametrics_url=args.victoriametrics_url,
        metrics_query=args.metrics_query,
        metrics_wait=args.metrics_wait,
        skip=frozenset(args.skip),
        on_result=None if args.json else print_line,
    )
    started, t0 = datetime.now(UTC), time.monotonic()
    if not args.json:
        print(f"smoke test of {smoke.url} (model {smoke.model}, admin routes: {smoke.admin_mode()})", flush=True)
    results = smoke.run()
    duration = time.monotonic() - t0
    report = json_report(results, url=smoke.url, model=smoke.model, started=started, duration_s=duration,
                         admin_mode=smoke.admin_mode())  # fmt: skip
    try:
        if args.json_report:
            args.json_report.parent.mkdir(parents=True, exist_ok=True)
            with args.json_report.open("w") as f:
                emit_json(report, f)
        if args.junit_xml:
            args.junit_xml.parent.mkdir(parents=True, exist_ok=True)
            args.junit_xml.write_bytes(junit_xml(results, url=smoke.url, started=started, duration_s=duration))
    except OSError as exc:
        error(f"cannot write the report: {exc}")
        return EXIT_USAGE
    c = counts(results)
    if args.json:
        emit_json(report)
    else:
        print(f"smoke test: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped in {duration:.1f}s")
    if c["failed"]:
        error("smoke test failed: " + ", ".join(r.name for r in results if r.status == "failed"))
        return EXIT_FAILED
    return EXIT_OK
