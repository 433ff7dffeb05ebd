"""Reading the Terraform code of infra/terraform with python-hcl2 (8.x) for the offline checks.

python-hcl2 returns blocks as lists of dicts carrying `__is_block__: True`, labels and literal strings with their
quotes (`'"aws_vpc"'`), and expressions as `${...}` strings. The helpers here hide those details.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TF_ROOT = REPO / "infra" / "terraform"
MODULES = TF_ROOT / "modules"
ENVIRONMENTS = TF_ROOT / "environments"

BLOCK = "__is_block__"
_REF = {
    "var": re.compile(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)"),
    "module_output": re.compile(r"\bmodule\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[[^\]]*\])?\.([A-Za-z_][A-Za-z0-9_-]*)"),
}
_INTERP = re.compile(r"\$\{((?:[^{}]|\{[^{}]*\})*)\}")


def unquote(s: Any) -> Any:
    if isinstance(s, str) and len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        return s[1:-1]
    return s


def is_block_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and v.get(BLOCK) for v in value)


def body_items(body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in body.items():
        if key.startswith("__") and key.endswith("__"):
            continue
        yield key, value


@cache
def parse(path: Path) -> dict[str, Any]:
    with path.open() as f:
        return hcl2.load(f)


def tf_files(root: Path = TF_ROOT) -> list[Path]:
    return sorted(p for p in root.rglob("*.tf") if ".terraform" not in p.parts)


def tf_dirs(root: Path = TF_ROOT) -> list[Path]:
    return sorted({p.parent for p in tf_files(root)})


def module_dirs() -> list[Path]:
    return sorted(p for p in MODULES.iterdir() if p.is_dir() and any(p.glob("*.tf")))


def environment_dirs() -> list[Path]:
    return sorted(p for p in ENVIRONMENTS.iterdir() if p.is_dir() and any(p.glob("*.tf")))


def labelled(doc: dict[str, Any], kind: str, depth: int) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Blocks of a kind with `depth` labels: ('aws_vpc', 'this'), body."""
    for entry in doc.get(kind, []):
        yield from _walk_labels(entry, depth, ())


def _walk_labels(node: dict[str, Any], depth: int, labels: tuple[str, ...]):
    if depth == 0:
        yield labels, node
        return
    for key, value in body_items(node):
        yield from _walk_labels(value, depth - 1, (*labels, unquote(key)))


def strings(node: Any) -> Iterator[str]:
    """Every string value below node (keys excluded)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            if not (k.startswith("__") and k.endswith("__")):
                yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def expressions(node: Any) -> Iterator[str]:
    """Expression text below node: whole `${...}` strings and the interpolations of quoted strings."""
    for s in strings(node):
        if s.startswith('"'):
            yield from (m.group(1) for m in _INTERP.finditer(s))
        else:
            yield s


def references(node: Any, kind: str) -> set:
    found: set = set()
    for expr in expressions(node):
        for m in _REF[kind].finditer(expr):
            found.add(m.group(1) if m.lastindex == 1 else m.groups())
    return found


@dataclass
class Variable:
    name: str
    body: dict[str, Any]

    @property
    def required(self) -> bool:
        return "default" not in self.body

    @property
    def description(self) -> str | None:
        value = self.body.get("description")
        return unquote(value) if isinstance(value, str) else None


@dataclass
class TfDir:
    """All .tf files of one directory (a module or a root)."""

    path: Path
    docs: dict[Path, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> TfDir:
        return cls(path, {p: parse(p) for p in sorted(path.glob("*.tf"))})

    def blocks(self, kind: str, depth: int) -> Iterator[tuple[Path, tuple[str, ...], dict[str, Any]]]:
        for file, doc in self.docs.items():
            for labels, body in labelled(doc, kind, depth):
                yield file, labels, body

    @property
    def variables(self) -> dict[str, Variable]:
        return {labels[0]: Variable(labels[0], body) for _, labels, body in self.blocks("variable", 1)}

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return {labels[0]: body for _, labels, body in self.blocks("output", 1)}

    @property
    def module_calls(self) -> dict[str, dict[str, Any]]:
        return {labels[0]: body for _, labels, body in self.blocks("module", 1)}

    def resources(self, kind: str = "resource") -> Iterator[tuple[Path, str, str, dict[str, Any]]]:
        for file, labels, body in self.blocks(kind, 2):
            yield file, labels[0], labels[1], body

    def used_variables(self) -> set[str]:
        """var.x referenced anywhere except inside variable blocks (their own validations do not count)."""
        used: set[str] = set()
        for doc in self.docs.values():
            for kind, entries in doc.items():
                if kind != "variable":
                    used |= references(entries, "var")
        return used

    def code_docs(self) -> list[dict[str, Any]]:
        """The documents without `moved` blocks: their addresses name state, not values."""
        return [{k: v for k, v in doc.items() if k != "moved"} for doc in self.docs.values()]

    def module_output_refs(self) -> set[tuple[str, str]]:
        refs: set[tuple[str, str]] = set()
        for doc in self.code_docs():
            refs |= references(doc, "module_output")
        return refs


def module_source_dir(caller: Path, call: dict[str, Any]) -> Path | None:
    source = unquote(call.get("source", ""))
    if not isinstance(source, str) or not source.startswith("."):
        return None
    return (caller / source).resolve()


def versions_env() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (REPO / "versions.env").read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.strip().startswith("#")}
