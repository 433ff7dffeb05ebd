"""Repository rules for GitHub workflows that the schemas and linters do not enforce (used by test_workflows.py).

* every `uses:` of a third-party action or reusable workflow is pinned to a full 40-hex commit SHA and carries a
  `# vX.Y.Z` comment naming the release (local `./` actions and `docker://` images excepted);
* every job declares its own `permissions:` block (the workflow-level block is `{}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SHA_REF = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
VERSION_COMMENT = re.compile(r"^v\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class Uses:
    path: Path
    line: int
    ref: str
    comment: str

    @property
    def local(self) -> bool:
        return self.ref.startswith("./") or self.ref.startswith("docker://")

    @property
    def action(self) -> str:
        return self.ref.split("@", 1)[0]

    @property
    def sha(self) -> str:
        return self.ref.split("@", 1)[1] if "@" in self.ref else ""


def load(path: Path) -> dict:
    # PyYAML (YAML 1.1) reads the key `on` as True; give it back its name.
    doc = yaml.safe_load(path.read_text())
    if isinstance(doc, dict) and True in doc:
        doc["on"] = doc.pop(True)
    return doc


def uses_lines(path: Path) -> list[Uses]:
    """Every `uses:` in the file, from the raw text (the version comment is not in the parsed YAML)."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        m = USES_LINE.match(line)
        if m:
            ref = m.group("ref").strip("'\"")
            found.append(Uses(path, number, ref, (m.group("comment") or "").strip()))
    return found


def unpinned_uses(path: Path) -> list[str]:
    """Problems with `uses:` references: not a 40-hex SHA, or no `# vX.Y.Z` comment."""
    problems = []
    for u in uses_lines(path):
        if u.local:
            continue
        if not SHA_REF.match(u.ref):
            problems.append(f"{path.name}:{u.line}: {u.ref} is not pinned to a full commit SHA")
        elif not VERSION_COMMENT.match(u.comment):
            problems.append(f"{path.name}:{u.line}: {u.ref} has no '# vX.Y.Z' comment naming the release")
    return problems


def jobs_without_permissions(path: Path) -> list[str]:
    doc = load(path)
    jobs = doc.get("jobs") or {}
    return [
        f"{path.name}: job {name!r} has no permissions: block" for name, job in jobs.items() if "permissions" not in job
    ]
