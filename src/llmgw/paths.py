"""Where the repository's files are, for code that reads them (the package is installed editable from the checkout)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "infra" / "litellm" / "config.yaml"
VENV_BIN = REPO / ".venv" / "bin"

if not (REPO / "pyproject.toml").is_file():
    raise ImportError(
        f"llmgw must be installed editable from its checkout (tools/bootstrap.sh python); {REPO} is not one"
    )
