#!/usr/bin/env python3
"""Render VictoriaMetrics' scrape config from the ONE template Terraform also renders (llmgw.scrape_config).

    tools/render_scrape_config.py --static-target 127.0.0.1:4001 --out .run/scrape.yml          (what make up writes)
    tools/render_scrape_config.py --static-target litellm-metrics:4001 --environment compose \\
        --broker-dns-sd-name broker --out infra/victoriametrics/scrape.compose.yml               (docker-compose)
    tools/render_scrape_config.py --dns-sd-name litellm.gateway.internal --dns-sd-port 4000     (what ECS gets)
    tools/render_scrape_config.py ... --out FILE --check     exit 1 if FILE differs from a fresh rendering

Exit codes: 0 done, 1 the template or a file could not be read or written (or --check found FILE stale), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmgw.scrape_config import TEMPLATE, TemplateError, render_targets


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--static-target", action="append", default=[], metavar="HOST:PORT", help="a LiteLLM address (repeatable)"
    )
    parser.add_argument(
        "--dns-sd-name", action="append", default=[], metavar="NAME", help="DNS name, one A record per task"
    )
    parser.add_argument(
        "--broker-target", action="append", default=[], metavar="HOST:PORT", help="a key broker address (repeatable)"
    )
    parser.add_argument("--dns-sd-port", type=int, default=4000, help="port of the DNS-discovered tasks (4000)")
    parser.add_argument(
        "--broker-dns-sd-name", action="append", default=[], metavar="NAME", help="DNS name of the key broker's tasks"
    )
    parser.add_argument("--broker-port", type=int, default=4020, help="port of the key broker's /metrics (4020)")
    parser.add_argument("--scrape-interval", default="15s", help="scrape interval (15s)")
    parser.add_argument("--environment", default="local", help="value of the 'environment' label (local)")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="write here (default: standard output)")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing; exit 1 if stale")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        text = render_targets(
            args.static_target,
            args.dns_sd_name,
            dns_sd_port=args.dns_sd_port,
            scrape_interval=args.scrape_interval,
            environment=args.environment,
            broker_targets=args.broker_target,
            broker_dns_sd_names=args.broker_dns_sd_name,
            broker_port=args.broker_port,
            template=args.template,
        )
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2 if isinstance(e, ValueError) and not isinstance(e, TemplateError) else 1
    if args.check:
        if args.out is None:
            print("error: --check needs --out FILE", file=sys.stderr)
            return 2
        if not args.out.is_file() or args.out.read_text() != text:
            print(f"error: {args.out} is not up to date with {args.template}: re-run without --check", file=sys.stderr)
            return 1
        return 0
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text)
        except OSError as e:
            print(f"error: cannot write {args.out}: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
