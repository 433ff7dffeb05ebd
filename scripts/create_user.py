#!/usr/bin/env python3
"""Give a developer a key to the gateway (users, budgets, keys): the CLI of llmgw.admin.create_user; see --help."""

import sys

try:
    from llmgw.admin.create_user import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

sys.exit(main())
