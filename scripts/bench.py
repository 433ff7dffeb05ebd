#!/usr/bin/env python3
"""Benchmark and memory soak of the gateway (make bench, make soak): the CLI of llmgw.bench.cli; see --help."""

import sys

try:
    from llmgw.bench.cli import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

sys.exit(main())
