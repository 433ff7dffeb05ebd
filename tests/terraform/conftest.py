"""Fixtures of the Terraform checks: the derived provider schema and one checkov run per session."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from llmgw.provider_schema import SchemaError, load_or_derive

from .tflib import REPO, TF_ROOT

CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(scope="session")
def provider_schema() -> dict[str, Any]:
    """AWS 6.45.0 + random 3.7.2 schemas derived from the CDK bindings' .jsii (cached in .cache/, outside git)."""
    try:
        return load_or_derive()
    except SchemaError as exc:
        pytest.fail(f"{exc} (make test runs it through `make deps`)")


def run_checkov(directory: Path) -> dict[str, Any]:
    assert CHECKOV.exists(), f"{CHECKOV} missing: run `tools/bootstrap.sh checkov`"
    proc = subprocess.run(
        [str(CHECKOV), "--skip-download", "--quiet", "--framework", "terraform", "-d", str(directory), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert proc.stdout.strip(), f"checkov printed nothing (exit {proc.returncode}): {proc.stderr[-2000:]}"
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    (terraform,) = [r for r in reports if r.get("check_type") == "terraform"]
    return terraform


@pytest.fixture(scope="session")
def checkov_report() -> dict[str, Any]:
    return run_checkov(TF_ROOT)
