#!/usr/bin/env python3
"""Get a short-lived gateway key from AWS credentials, the company SSO or GitHub Actions; Claude Code's apiKeyHelper:
the CLI of llmgw.login.cli; see --help."""

import sys

try:
    from llmgw.login.cli import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

sys.exit(main())
