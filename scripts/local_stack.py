#!/usr/bin/env python3
"""Run the gateway locally (make up, make down): the CLI of llmgw.stack.local_stack; see --help."""

import sys

try:
    from llmgw.stack.local_stack import main
except ModuleNotFoundError as exc:  # a Python without the project's virtualenv
    sys.exit(f"error: {exc} ({sys.executable}): run tools/bootstrap.sh, then .venv/bin/python {sys.argv[0]}")

sys.exit(main())
