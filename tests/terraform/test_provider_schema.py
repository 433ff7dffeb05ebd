"""Provider schema check (stand-in for `terraform validate` without provider downloads): every resource, data
source, ephemeral resource and provider block against hashicorp/aws 6.45.0 and hashicorp/random 3.7.2, derived
offline from the CDK bindings' .jsii metadata. The negative tests prove the check reports mistakes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .schema_check import SchemaChecker, count_checked
from .tflib import REPO, TF_ROOT, tf_dirs, tf_files


def test_derived_schema_is_the_pinned_provider(provider_schema: dict) -> None:
    aws = provider_schema["providers"]["aws"]
    assert aws["version"] == "6.45.0"
    assert aws["package"] == "@cdktn/provider-aws@24.1.0"
    assert provider_schema["providers"]["random"]["version"] == "3.7.2"
    # Sanity of the derivation itself: well-known shapes of the provider.
    types = provider_schema["types"]
    service = types[aws["resources"]["aws_ecs_service"]]
    assert service["attributes"]["name"]["required"] is True
    assert service["blocks"]["deployment_circuit_breaker"]["required"] is False
    breaker = types[service["blocks"]["deployment_circuit_breaker"]["type"]]
    assert set(breaker["attributes"]) == {"enable", "rollback"}
    secret_version = types[aws["resources"]["aws_secretsmanager_secret_version"]]["attributes"]
    assert {"secret_string_wo", "secret_string_wo_version"} <= set(secret_version), "write-only arguments missing"
    assert len(aws["resources"]) > 1500 and len(aws["data_sources"]) > 600


@pytest.mark.parametrize("directory", tf_dirs(), ids=lambda p: str(Path(p).relative_to(REPO)))
def test_configuration_matches_provider_schema(directory: Path, provider_schema: dict) -> None:
    checker = SchemaChecker(provider_schema)
    findings = [f for path in sorted(directory.glob("*.tf")) for f in checker.check_file(path)]
    assert not findings, "\n".join(str(f) for f in findings)


def test_schema_check_covers_every_resource(provider_schema: dict) -> None:
    counts = count_checked(tf_files())
    assert counts["resource"] >= 100 and counts["data"] >= 15 and counts["ephemeral"] >= 1 and counts["provider"] >= 3


def _copy_module(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(TF_ROOT / "modules" / name, target)
    return target


def test_check_reports_a_misspelled_argument(tmp_path: Path, provider_schema: dict) -> None:
    mod = _copy_module(tmp_path, "fargate-service")
    main = mod / "main.tf"
    text = main.read_text()
    assert "  health_check_grace_period_seconds  = var.service" in text
    main.write_text(text.replace("health_check_grace_period_seconds  =", "health_check_grace_period_secs ="))
    findings = [str(f) for f in SchemaChecker(provider_schema).check_file(main)]
    assert findings == [
        f"{main}: aws_ecs_service.this.health_check_grace_period_secs: "
        "unsupported argument or block 'health_check_grace_period_secs'"
    ]


def test_check_reports_bad_nested_block_and_missing_required(tmp_path: Path, provider_schema: dict) -> None:
    mod = _copy_module(tmp_path, "fargate-service")
    main = mod / "main.tf"
    text = main.read_text()
    text = text.replace("    rollback = true\n", "", 1)  # deployment_circuit_breaker.rollback is required
    text = text.replace('  dynamic "service_registries" {', '  dynamic "service_registry" {', 1)  # no such block
    text = text.replace("  network_configuration {", "  network_config {", 1)  # no such block
    main.write_text(text)
    findings = {str(f) for f in SchemaChecker(provider_schema).check_file(main)}
    assert f"{main}: aws_ecs_service.this.deployment_circuit_breaker: missing required argument 'rollback'" in findings
    assert f"{main}: aws_ecs_service.this.dynamic.service_registry: dynamic block for an unknown block type" in findings
    assert f"{main}: aws_ecs_service.this.network_config: unsupported argument or block 'network_config'" in findings


def test_check_reports_block_written_as_argument_and_unknown_types(tmp_path: Path, provider_schema: dict) -> None:
    path = tmp_path / "bad.tf"
    path.write_text(
        'resource "aws_lb" "x" {\n  access_logs = { bucket = "b" }\n}\n'
        'data "aws_no_such_thing" "y" {}\n'
        'ephemeral "random_passwd" "z" {\n  length = 8\n}\n'
        'resource "aws_secretsmanager_secret_version" "v" {\n  secret_string_wo = "x"\n}\n'
        'provider "aws" {\n  regoin = "x"\n}\n'
    )
    findings = {str(f).split(": ", 1)[1] for f in SchemaChecker(provider_schema).check_file(path)}
    assert findings == {
        "aws_lb.x.access_logs: 'access_logs' is a block: write `access_logs { ... }`, not `access_logs = ...`",
        "data.aws_no_such_thing.y: unknown data source 'aws_no_such_thing'",
        "ephemeral.random_passwd.z: unknown ephemeral resource type 'random_passwd'",
        "aws_secretsmanager_secret_version.v: missing required argument 'secret_id'",
        "provider.aws.regoin: unsupported argument or block 'regoin'",
    }


def test_derive_cli_summarises_the_cache(tmp_path: Path, provider_schema: dict) -> None:
    import json
    import subprocess
    import sys

    out = tmp_path / "schema.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "derive_aws_schema.py"), "--out", str(out), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["providers"]["aws"]["version"] == "6.45.0" and out.is_file()
    bad = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "derive_aws_schema.py"),
            "--jsii-root",
            str(tmp_path),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and bad.stderr.startswith("error: ") and "bootstrap.sh node" in bad.stderr
