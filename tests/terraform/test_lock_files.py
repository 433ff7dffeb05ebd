"""Every root module commits a .terraform.lock.hcl: the exact provider versions the roots pin (= the versions the
offline schema check uses), with the registry's zh: hashes of every platform's package, so `terraform init` on
linux_amd64 (CI) and darwin_arm64 (laptops) verifies what it downloads and picks the same versions everywhere."""

from __future__ import annotations

import re

import pytest

from .tflib import ENVIRONMENTS, TfDir, environment_dirs, parse, unquote


def lock(env) -> dict[str, dict]:
    doc = parse(env / ".terraform.lock.hcl")
    return {
        unquote(addr).removeprefix("registry.terraform.io/"): {k: v for k, v in body.items() if not k.startswith("__")}
        for entry in doc["provider"]
        for addr, body in entry.items()
        if not addr.startswith("__")
    }


def pins(env) -> dict[str, str]:
    out = {}
    for doc in TfDir.load(env).docs.values():
        for tf in doc.get("terraform", []):
            for rp in tf.get("required_providers", []):
                for name, spec in rp.items():
                    if not name.startswith("__"):
                        out[unquote(spec["source"])] = unquote(spec["version"])
    return out


@pytest.mark.parametrize("env", environment_dirs(), ids=lambda p: p.name)
def test_lock_file_pins_exactly_the_required_versions(env, provider_schema: dict) -> None:
    assert (env / ".terraform.lock.hcl").is_file(), f"{env.name}: no committed .terraform.lock.hcl"
    locked = lock(env)
    assert set(locked) == set(pins(env)), f"{env.name}: lock providers {set(locked)} != required {set(pins(env))}"
    for source, version in pins(env).items():
        entry = locked[source]
        assert unquote(entry["version"]) == version, (env.name, source)
        assert version == provider_schema["providers"][source.split("/")[1]]["version"], (env.name, source)
        assert version in unquote(entry["constraints"]), (env.name, source)
        hashes = [unquote(h) for h in entry["hashes"]]
        zh = [h for h in hashes if h.startswith("zh:")]
        # One zh: per released package (every OS/architecture) plus the provider manifest: all platforms covered.
        assert len(zh) >= 12 and all(re.fullmatch(r"zh:[0-9a-f]{64}", h) for h in zh), (env.name, source, zh)
        assert all(re.fullmatch(r"h1:[A-Za-z0-9+/]{43}=", h) for h in hashes if h.startswith("h1:")), (env, source)
        assert len(hashes) == len(set(hashes)) and hashes == sorted(hashes), (env.name, source)


def test_roots_lock_the_same_provider_builds() -> None:
    locks = [lock(env) for env in environment_dirs()]
    for source in {s for lk in locks for s in lk}:
        entries = [lk[source] for lk in locks if source in lk]
        assert all(e["hashes"] == entries[0]["hashes"] for e in entries), f"{source}: roots lock different builds"


def test_aws_provider_is_current() -> None:
    """>= 6.26: reading a write-only secret version no longer calls GetSecretValue (the plan role cannot)."""
    version = tuple(int(p) for p in unquote(lock(ENVIRONMENTS / "dev")["hashicorp/aws"]["version"]).split("."))
    assert version >= (6, 26, 0)
