#!/usr/bin/env python3
"""Prove a gateway deployment works end to end (named, timed checks; JSON and JUnit reports); --help for more.

The code is llmgw.admin.smoke_test; this file is the command the README names."""

import sys

try:
    from llmgw.admin.smoke_test import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

if __name__ == "__main__":
    sys.exit(main())
