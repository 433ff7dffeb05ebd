#!/usr/bin/env python3
"""Run the gateway locally (what `make up` and `make down` run): local_stack.py up | down; --help for more.

The code is llmgw.stack.local_stack; this file is the command the Makefile runs."""

import sys

try:
    from llmgw.stack.local_stack import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

if __name__ == "__main__":
    sys.exit(main())
