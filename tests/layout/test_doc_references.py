"""Docs that cite a test (``tests/x/test_y.py`` or ``tests/x/test_y.py::test_name``) cite one that exists.

docs/security.md and docs/reliability.md end each promise with the tests behind it: a renamed or deleted test
must not leave a promise backed by nothing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [*sorted((REPO / "docs").rglob("*.md")), REPO / "README.md"]
# A path, optionally followed by ::name; a later `::name` in the same cell continues the last path.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py|tests/[\w/]+/)(?:::(\w+))?`|`::(\w+)`")


def _references(doc: Path) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for line in doc.read_text().splitlines():
        last: str | None = None
        for m in REFERENCE.finditer(line):
            if m.group(1):
                last = m.group(1)
                found.append((last, m.group(2)))
            elif last is not None:
                found.append((last, m.group(3)))
    return found


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_cited_test_exists(doc: Path) -> None:
    missing = []
    for path, name in _references(doc):
        target = REPO / path
        if not target.exists():
            missing.append(path)
        elif name is not None and target.is_file() and name not in _functions(target):
            missing.append(f"{path}::{name}")
    assert not missing, f"{doc.relative_to(REPO)} cites tests that do not exist: {missing}"


def test_the_security_model_cites_its_tests() -> None:
    cited = _references(REPO / "docs" / "security.md")
    assert len({p for p, _ in cited}) >= 10
