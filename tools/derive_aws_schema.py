#!/usr/bin/env python3
"""Derive the Terraform provider schemas (aws 6.45.0, random 3.7.2) offline from the CDK bindings into a cache.

    tools/derive_aws_schema.py [--out PATH] [--jsii-root DIR] [--force] [--json]

How and why: llmgw.provider_schema (tests/terraform call it directly). Exit codes: 0 done, 1 the bindings are
missing (run `tools/bootstrap.sh node`) or could not be read.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from llmgw.provider_schema import DEFAULT_JSII_ROOT, DEFAULT_OUT, SchemaError, load_or_derive, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"cache file (default {DEFAULT_OUT})")
    parser.add_argument(
        "--jsii-root", type=Path, default=DEFAULT_JSII_ROOT, help="node_modules directory holding both packages"
    )
    parser.add_argument("--force", action="store_true", help="derive again even when the cache is current")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        schema = load_or_derive(args.out, args.jsii_root, force=args.force)
    except (SchemaError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    info = summary(schema)
    if args.json:
        print(json.dumps({"out": str(args.out), "providers": info}, indent=2))
    else:
        for name, p in info.items():
            print(
                f"{name} {p['version']} ({p['package']}): {p['resources']} resources, {p['data_sources']} data "
                f"sources, {p['ephemeral_resources']} ephemeral resources -> {args.out}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
