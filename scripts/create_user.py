#!/usr/bin/env python3
"""Give a developer a key to the gateway (users, teams, budgets, keys); --help and docs/users.md for more.

The code is llmgw.admin.create_user; this file is the command the README names."""

import sys

try:
    from llmgw.admin.create_user import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

if __name__ == "__main__":
    sys.exit(main())
