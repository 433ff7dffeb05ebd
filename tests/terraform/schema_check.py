"""Offline stand-in for `terraform validate`: check resources, data sources, ephemeral resources and provider
blocks against the provider schemas derived from the CDKTF bindings (llmgw.provider_schema).

Reported: unknown resource/data source/ephemeral types, unknown arguments and nested blocks, a block written as
an argument (`x = {...}`) or an argument written as a block (`x {...}`), missing required arguments and blocks,
dynamic blocks for names that are not blocks. Blocks the bindings type as `any` (WAF statements) are not
descended into.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tflib import BLOCK, body_items, is_block_list, labelled, parse, unquote

META = {
    "resource": {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"},
    "data": {"count", "for_each", "depends_on", "provider", "lifecycle"},
    "ephemeral": {"count", "for_each", "depends_on", "provider", "lifecycle"},
}
META_BLOCKS = {"lifecycle", "provisioner", "connection"}
BUCKET = {"resource": "resources", "data": "data_sources", "ephemeral": "ephemeral_resources"}
BUILTIN = {"terraform_data"}  # built into Terraform itself, not a provider resource


@dataclass(frozen=True)
class Finding:
    file: Path
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


class SchemaChecker:
    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self.types = schema["types"]
        self.providers = schema["providers"]

    def provider_for(self, type_name: str) -> str | None:
        prefix = type_name.split("_", 1)[0]
        return prefix if prefix in self.providers else None

    def check_file(self, path: Path) -> list[Finding]:
        doc = parse(path)
        findings: list[Finding] = []
        for kind in ("resource", "data", "ephemeral"):
            for (type_name, name), body in labelled(doc, kind, 2):
                where = f"{'' if kind == 'resource' else kind + '.'}{type_name}.{name}"
                findings += self._check_typed(path, kind, type_name, where, body)
        for (provider_name,), body in labelled(doc, "provider", 1):
            p = self.providers.get(provider_name)
            if p is None:
                findings.append(Finding(path, f"provider.{provider_name}", "provider has no schema to check against"))
                continue
            findings += self._check_body(path, f"provider.{provider_name}", body, p["provider"], {"alias"})
        return findings

    def _check_typed(self, path: Path, kind: str, type_name: str, where: str, body: dict) -> list[Finding]:
        if type_name in BUILTIN:
            return []
        provider = self.provider_for(type_name)
        bucket = BUCKET[kind]
        if provider is None or type_name not in self.providers[provider][bucket]:
            label = {"resource": "resource type", "data": "data source", "ephemeral": "ephemeral resource type"}[kind]
            return [Finding(path, where, f"unknown {label} {type_name!r}")]
        type_key = self.providers[provider][bucket][type_name]
        return self._check_body(path, where, body, type_key, META[kind])

    def _check_body(self, path: Path, where: str, body: dict, type_key: str | None, meta: set[str]) -> list[Finding]:
        if type_key is None:
            return []  # typed `any` by the bindings: not checked below this point
        spec = self.types[type_key]
        attributes, blocks = spec["attributes"], spec["blocks"]
        findings: list[Finding] = []
        seen: set[str] = set()
        for key, value in body_items(body):
            here = f"{where}.{key}"
            if key in meta:
                continue
            if key == "dynamic":
                for entry in value:
                    for label, dyn in body_items(entry):
                        name = unquote(label)
                        seen.add(name)
                        if name not in blocks:
                            findings.append(
                                Finding(path, f"{where}.dynamic.{name}", "dynamic block for an unknown block type")
                            )
                            continue
                        for content in dyn.get("content", []):
                            findings += self._check_body(path, f"{where}.{name}", content, blocks[name]["type"], set())
                continue
            seen.add(key)
            if key in blocks:
                if not is_block_list(value):
                    findings.append(
                        Finding(path, here, f"{key!r} is a block: write `{key} {{ ... }}`, not `{key} = ...`")
                    )
                    continue
                for entry in value:
                    findings += self._check_body(path, here, entry, blocks[key]["type"], set())
            elif key in attributes:
                if is_block_list(value):
                    findings.append(Finding(path, here, f"{key!r} is an argument: write `{key} = ...`, not a block"))
            else:
                findings.append(Finding(path, here, f"unsupported argument or block {key!r}"))
        for name, attr in attributes.items():
            if attr["required"] and name not in seen:
                findings.append(Finding(path, where, f"missing required argument {name!r}"))
        for name, blk in blocks.items():
            if blk["required"] and name not in seen:
                findings.append(Finding(path, where, f"missing required block {name!r}"))
        return findings


def count_checked(paths: list[Path]) -> dict[str, int]:
    counts = {"resource": 0, "data": 0, "ephemeral": 0, "provider": 0}
    for path in paths:
        doc = parse(path)
        for kind in ("resource", "data", "ephemeral"):
            counts[kind] += sum(1 for _ in labelled(doc, kind, 2))
        counts["provider"] += sum(1 for _ in labelled(doc, "provider", 1))
    return counts


__all__ = ["BLOCK", "Finding", "SchemaChecker", "count_checked"]
