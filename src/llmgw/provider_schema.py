"""Derive Terraform provider schemas (aws 6.45.0, random 3.7.2) offline from prebuilt CDK bindings.

The npm packages `@cdktn/provider-aws` (CDK Terrain, the successor of CDKTF: `@cdktf/provider-aws` stops at aws
6.25) and `@cdktf/provider-random` (pinned in tools/terraform-schema/, installed by `tools/bootstrap.sh node`
into .tools/terraform-schema/) ship a `.jsii` file describing every resource, data
source, argument and nested block of the provider version they were generated from, each linked to its Terraform
Registry page (`.../docs/resources/ecs_service#cluster`). This module turns that metadata into a compact JSON
schema, cached outside git (default `.cache/terraform-provider-schema.json`), that tests/terraform uses in place of
`terraform validate` where providers cannot be downloaded.

    tools/derive_aws_schema.py [--out PATH] [--jsii-root DIR] [--force] [--json]     (tests: load_or_derive())

--jsii-root is the node_modules directory holding both packages.

Output shape:
    {"providers": {"aws": {"version": "6.25.0", "provider": TYPE, "resources": {"aws_vpc": TYPE, ...},
                            "data_sources": {...}, "ephemeral_resources": {...}}, "random": {...}},
     "types": {TYPE: {"attributes": {name: {"required": bool}},
                      "blocks": {name: {"required": bool, "type": TYPE | null}}}}}
A block whose type is null is one the bindings type as `any` (e.g. WAF `statement`): its content is not checked.

CDKTF bindings do not describe ephemeral resources. The random provider's ephemeral `random_password` takes the
arguments of the managed `random_password` resource except `keepers` (registry docs, random 3.7.x), so it is
derived from that resource; this is the one hand-made rule and it is listed in the output's `notes`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmgw.paths import REPO

DEFAULT_JSII_ROOT = REPO / ".tools" / "terraform-schema" / "node_modules"
DEFAULT_OUT = REPO / ".cache" / "terraform-provider-schema.json"
FORMAT_VERSION = 3
PACKAGES = {"aws": "@cdktn/provider-aws", "random": "@cdktf/provider-random"}
# Base classes and the framework's own types, in CDKTF (cdktf.*) and in CDK Terrain (cdktn.*).
FRAMEWORKS = ("cdktf.", "cdktn.")

log = logging.getLogger(__name__)

_KIND_LINK = re.compile(r"/docs/(resources|data-sources)/([a-z0-9_]+) ([a-z0-9_]+)\}")
_ANCHOR = re.compile(r"#([a-z0-9_]+) [A-Za-z0-9]+#")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


class SchemaError(Exception):
    """The bindings are missing or not what this module understands; printed as one line."""


def snake(name: str) -> str:
    return _CAMEL.sub(r"_\1", name).lower()


def _docs_text(docs: dict[str, Any]) -> str:
    return " ".join(str(docs.get(k, "")) for k in ("summary", "remarks"))


def _struct_fqn(type_ref: dict[str, Any]) -> str | None:
    """The struct fqn a property's type points to (directly, as a list, or in a union), else None."""
    if "fqn" in type_ref:
        return None if type_ref["fqn"].startswith(FRAMEWORKS) else type_ref["fqn"]
    if "collection" in type_ref:
        return _struct_fqn(type_ref["collection"]["elementtype"])
    if "union" in type_ref:
        for member in type_ref["union"]["types"]:
            fqn = _struct_fqn(member)
            if fqn:
                return fqn
    return None


@dataclass
class Deriver:
    types: dict[str, Any]
    out_types: dict[str, Any] = field(default_factory=dict)

    def struct(self, fqn: str) -> str:
        """Register the struct `fqn` (and what it nests) in out_types; return its key."""
        if fqn in self.out_types:
            return fqn
        spec = self.types.get(fqn)
        if spec is None:
            raise SchemaError(f"type {fqn} is referenced but not defined in the .jsii")
        entry: dict[str, Any] = {"attributes": {}, "blocks": {}}
        self.out_types[fqn] = entry  # registered first: nested types may refer back
        for prop in self._properties(spec):
            text = _docs_text(prop.get("docs", {}))
            anchor = _ANCHOR.search(text)
            name = anchor.group(1) if anchor else snake(prop["name"])
            required = not prop.get("optional", False)
            summary = str(prop.get("docs", {}).get("summary", ""))
            if summary.endswith(" block."):
                nested = _struct_fqn(prop["type"])
                entry["blocks"][name] = {"required": required, "type": self.struct(nested) if nested else None}
            else:
                entry["attributes"][name] = {"required": required}
        return fqn

    def _properties(self, spec: dict[str, Any]) -> list[dict[str, Any]]:
        props = list(spec.get("properties", []))
        for parent in spec.get("interfaces", []):
            if parent.startswith(FRAMEWORKS):
                continue  # TerraformMetaArguments: count, for_each, provider, lifecycle … (checked separately)
            props.extend(self._properties(self.types[parent]))
        return props


def _config_fqn(cls: dict[str, Any]) -> str | None:
    for param in cls.get("initializer", {}).get("parameters", []):
        if param["name"] == "config":
            return param["type"].get("fqn")
    return None


def derive_provider(jsii: dict[str, Any], deriver: Deriver, local_name: str) -> dict[str, Any]:
    meta = jsii.get("metadata", {})
    version = None
    for pattern in (r"provider version (\d+\.\d+\.\d+)", r"/providers/hashicorp/[a-z]+/(\d+\.\d+\.\d+)"):
        found = re.search(pattern, jsii.get("readme", {}).get("markdown", "") + json.dumps(meta))
        if found:
            version = found.group(1)
            break
    out: dict[str, Any] = {
        "package": f"{jsii['name']}@{jsii['version']}",
        "version": version,
        "provider": None,
        "resources": {},
        "data_sources": {},
        "ephemeral_resources": {},
    }
    for spec in jsii["types"].values():
        if spec.get("kind") != "class":
            continue
        base = spec.get("base", "")
        config = _config_fqn(spec)
        if not config:
            continue
        framework, _, kind_name = base.partition(".")
        if f"{framework}." not in FRAMEWORKS:
            continue
        if kind_name == "TerraformProvider":
            out["provider"] = deriver.struct(config)
            continue
        if kind_name not in ("TerraformResource", "TerraformDataSource"):
            continue
        link = _KIND_LINK.search(_docs_text(spec.get("docs", {})))
        if not link:
            raise SchemaError(f"{spec['fqn']}: no Terraform Registry link in its docs")
        kind, _, tf_name = link.groups()
        bucket = "resources" if kind == "resources" else "data_sources"
        out[bucket][tf_name] = deriver.struct(config)
    if not out["resources"] or out["provider"] is None:
        raise SchemaError(f"{local_name}: no resources or provider configuration found in the .jsii")
    return out


def _add_ephemeral_random_password(schema: dict[str, Any]) -> None:
    random = schema["providers"].get("random")
    if not random or "random_password" not in random["resources"]:
        return
    source = schema["types"][random["resources"]["random_password"]]
    key = "ephemeral:random_password"
    attributes = {k: v for k, v in source["attributes"].items() if k not in ("keepers", "id", "number")}
    schema["types"][key] = {"attributes": attributes, "blocks": dict(source["blocks"])}
    random["ephemeral_resources"]["random_password"] = key
    schema["notes"].append(
        "ephemeral random_password = managed random_password without keepers, id and the deprecated number "
        "(random 3.7.x registry docs)"
    )


def jsii_path(jsii_root: Path, package_dir: str) -> Path:
    return jsii_root / package_dir / ".jsii"


def fingerprint(jsii_root: Path) -> str:
    """Cheap identity of the installed bindings: package versions and .jsii sizes."""
    parts = []
    for local_name, package_dir in sorted(PACKAGES.items()):
        path = jsii_path(jsii_root, package_dir)
        pkg = json.loads((path.parent / "package.json").read_text())
        parts.append(f"{local_name}={pkg['version']}:{path.stat().st_size}")
    parts.append(f"format={FORMAT_VERSION}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def derive(jsii_root: Path) -> dict[str, Any]:
    for package_dir in PACKAGES.values():
        if not jsii_path(jsii_root, package_dir).is_file():
            raise SchemaError(
                f"{jsii_path(jsii_root, package_dir)} not found: run `tools/bootstrap.sh node` "
                "(installs tools/terraform-schema/ into .tools/terraform-schema/)"
            )
    schema: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "fingerprint": fingerprint(jsii_root),
        "providers": {},
        "types": {},
        "notes": [],
    }
    for local_name, package_dir in PACKAGES.items():
        log.info("reading %s", jsii_path(jsii_root, package_dir))
        jsii = json.loads(jsii_path(jsii_root, package_dir).read_text())
        deriver = Deriver(types=jsii["types"])
        schema["providers"][local_name] = derive_provider(jsii, deriver, local_name)
        schema["types"].update(deriver.out_types)
    _add_ephemeral_random_password(schema)
    return schema


def load_or_derive(out: Path = DEFAULT_OUT, jsii_root: Path = DEFAULT_JSII_ROOT, force: bool = False) -> dict:
    """The cached schema when it matches the installed bindings, else a freshly derived (and cached) one."""
    if not force and out.is_file():
        try:
            cached = json.loads(out.read_text())
            if cached.get("fingerprint") == fingerprint(jsii_root):
                return cached
        except (OSError, ValueError, KeyError):
            pass
    schema = derive(jsii_root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(schema, separators=(",", ":"), sort_keys=True))
    tmp.replace(out)
    return schema


def summary(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {
            "package": p["package"],
            "version": p["version"],
            "resources": len(p["resources"]),
            "data_sources": len(p["data_sources"]),
            "ephemeral_resources": len(p["ephemeral_resources"]),
        }
        for name, p in schema["providers"].items()
    }
