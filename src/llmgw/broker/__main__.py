"""python -m llmgw.broker (see llmgw.broker.cli)."""

import sys

from llmgw.broker.cli import main

sys.exit(main())
