#!/usr/bin/env python3
"""Benchmark the gateway against the Bedrock emulator (`make bench`, `make soak`); --help and docs/performance.md.

The code is llmgw.bench.cli; this file is the command the Makefile runs."""

import sys

try:
    from llmgw.bench.cli import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

if __name__ == "__main__":
    sys.exit(main())
