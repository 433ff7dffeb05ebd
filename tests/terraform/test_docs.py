"""docs/deployment.md covers the runbook the issue asks for, and what it states matches the code."""

from __future__ import annotations

import re

from .tflib import ENVIRONMENTS, MODULES, REPO, TfDir

DOC = REPO / "docs" / "deployment.md"


def test_runbook_sections() -> None:
    text = DOC.read_text()
    for heading in (
        "## 1. Bootstrap the state bucket",
        "## 2. Apply an environment",
        "## 3. Create the first user",
        "## 4. Smoke test",
        "## Tear down",
        "## Monthly fixed cost estimate",
    ):
        assert heading in text, heading
    assert "scripts/create_user.py --gateway-url" in text and "--master-key-secret-arn" in text
    assert "--email" in text and "--max-budget" in text and "--budget-duration" in text
    assert 'scripts/smoke_test.py "$GATEWAY_URL"' in text
    assert "use_lockfile = true" in text


def test_documented_timeouts_match_the_code() -> None:
    text = DOC.read_text()
    cf = TfDir.load(MODULES / "cloudfront").variables["origin_read_timeout"].body
    alb = TfDir.load(MODULES / "alb").variables["idle_timeout"].body
    assert cf["default"] == 60 and "**60 s** default" in text and "**180 s**" in text
    assert f"| {alb['default']} s (≥ 600 s enforced) |" in text


def test_cost_table_totals_add_up() -> None:
    text = DOC.read_text()
    table = text[text.index("| item | price assumed | dev | prod |") :].split("\n\n", 1)[0]
    rows = [r for r in table.splitlines()[2:] if not r.startswith("| **total")]
    totals = {"dev": 0.0, "prod": 0.0}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for column, cell in zip(("dev", "prod"), cells[2:4], strict=True):
            amounts = re.findall(r"\$([0-9]+\.[0-9]{2})$", cell)
            totals[column] += float(amounts[0]) if amounts else 0.0
    stated = dict(zip(("dev", "prod"), map(float, re.findall(r"\*\*≈ \$([0-9]+)/month\*\*", table)), strict=True))
    for column in ("dev", "prod"):
        assert abs(totals[column] - stated[column]) <= 1.0, (column, totals[column], stated[column])


def test_documented_inputs_are_the_root_variables() -> None:
    """The Inputs table of docs/deployment.md lists exactly the variables of the dev and prod roots."""
    text = DOC.read_text()
    table = text[text.index("| variable | meaning |") :].split("\n\n", 1)[0]
    first_cells = [row.split("|")[1] for row in table.splitlines()[2:]]
    documented = {name for cell in first_cells for name in re.findall(r"`([a-z_]+)`", cell)}
    for env in ("dev", "prod"):
        assert documented == set(TfDir.load(ENVIRONMENTS / env).variables), env
