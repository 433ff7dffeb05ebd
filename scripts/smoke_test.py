#!/usr/bin/env python3
"""Prove a gateway deployment works end to end: the CLI of llmgw.admin.smoke_test; see --help."""

import sys

try:
    from llmgw.admin.smoke_test import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

sys.exit(main())
