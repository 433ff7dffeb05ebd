"""Where create_user.py finds the gateway and the master key: Secrets Manager (moto), Terraform outputs, environment.

create_user.main runs in-process here, so moto's mock_aws sees the boto3 calls; the gateway is the contract double.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from llmgw.admin import create_user
from scripts.admin_double import AdminDouble

ALICE = ["--email", "alice@example.com", "--max-budget", "50", "--budget-duration", "30d"]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Secrets Manager of moto in us-east-1, while the environment's default region is another one."""
    for name in ("LITELLM_MASTER_KEY", "LITELLM_GATEWAY_URL", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")  # the ARN's region must win
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


def outputs_file(path: Path, **values: Any) -> Path:
    """A file as `terraform output -json > FILE` writes it."""
    path.write_text(json.dumps({k: {"sensitive": False, "type": "string", "value": v} for k, v in values.items()}))
    return path


def test_master_key_from_secrets_manager(aws: Any, double: AdminDouble, capsys: pytest.CaptureFixture[str]) -> None:
    arn = aws.create_secret(Name="llmgw/litellm-master-key", SecretString=double.master_key)["ARN"]
    assert arn.startswith("arn:aws:secretsmanager:us-east-1:")
    code = create_user.main(["--gateway-url", double.url, "--master-key-secret-arn", arn, *ALICE])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.splitlines()[0] == "user alice@example.com: created"
    user = double.users["alice@example.com"]
    assert (user["max_budget"], user["budget_duration"]) == (50.0, "30d")
    assert double.master_key not in out.out + out.err


def test_secret_arn_wins_over_the_environment(aws: Any, double: AdminDouble, monkeypatch, capsys) -> None:
    arn = aws.create_secret(Name="mk", SecretString=double.master_key)["ARN"]
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-stale-key-from-the-shell")
    code = create_user.main(["list", "--json", "--gateway-url", double.url, "--master-key-secret-arn", arn])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert json.loads(out.out) == {"users": [], "total_spend_usd": 0}


def test_json_secret_and_terraform_outputs(aws: Any, double: AdminDouble, tmp_path: Path, capsys) -> None:
    arn = aws.create_secret(Name="mk", SecretString=json.dumps({"LITELLM_MASTER_KEY": double.master_key}))["ARN"]
    outputs = outputs_file(tmp_path / "outputs.json", gateway_url=double.url + "/",
                           secret_arns={"litellm_master_key": arn, "litellm_salt_key": "arn:unused"})  # fmt: skip
    code = create_user.main(["--tf-outputs", str(outputs), "--email", "bob@example.com", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    (result,) = json.loads(out.out)["results"]
    assert result["claude_code_env"]["ANTHROPIC_BASE_URL"] == double.url, "trailing slash of the output dropped"
    stored = double.key_by_alias("bob@example.com-default")
    assert stored is not None and hashlib.sha256(result["api_key"].encode()).hexdigest() == stored["token"]
    assert "bob@example.com" in double.users
    assert double.master_key not in out.out + out.err


def test_json_secret_with_master_key_field(aws: Any, double: AdminDouble, capsys) -> None:
    arn = aws.create_secret(Name="mk2", SecretString=json.dumps({"master_key": double.master_key}))["ARN"]
    assert create_user.main(["list", "--gateway-url", double.url, "--master-key-secret-arn", arn]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "USER  EMAIL  ROLE  TEAMS  SPEND $  BUDGET $  RESET  USED  KEYS",
        "0 users, total spend $0.0000",
    ]


def test_json_secret_without_a_key_field(aws: Any, double: AdminDouble, capsys) -> None:
    arn = aws.create_secret(Name="mk3", SecretString=json.dumps({"password": "x"}))["ARN"]
    assert create_user.main(["list", "--gateway-url", double.url, "--master-key-secret-arn", arn]) == 2
    assert capsys.readouterr().err == f"error: secret {arn} is JSON without a LITELLM_MASTER_KEY or master_key field\n"
    assert double.requests == []


def test_missing_secret_is_a_one_line_error(aws: Any, double: AdminDouble, capsys) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf"
    code = create_user.main(["--gateway-url", double.url, "--master-key-secret-arn", arn, *ALICE])
    out = capsys.readouterr()
    assert (code, out.out) == (2, "")
    assert out.err.startswith(f"error: cannot read secret {arn}: ResourceNotFoundException: ")
    assert out.err.count("\n") == 1
    assert double.requests == []


def test_bad_terraform_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for name in ("LITELLM_GATEWAY_URL", "LITELLM_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    outputs = outputs_file(tmp_path / "outputs.json", grafana_url="https://grafana.example.com")
    assert create_user.main(["--tf-outputs", str(outputs), *ALICE]) == 2
    assert capsys.readouterr().err == f"error: Terraform outputs {outputs} have no output gateway_url\n"

    outputs.write_text("not json")
    assert create_user.main(["--tf-outputs", str(outputs), *ALICE]) == 2
    assert capsys.readouterr().err == (
        f"error: Terraform outputs {outputs} is not JSON (use `terraform output -json > {outputs}`)\n"
    )

    outputs.write_text("[1, 2]")
    assert create_user.main(["--tf-outputs", str(outputs), *ALICE]) == 2
    assert capsys.readouterr().err == f"error: Terraform outputs {outputs} is not a JSON object\n"

    missing = tmp_path / "nope.json"
    assert create_user.main(["--tf-outputs", str(missing), *ALICE]) == 2
    assert capsys.readouterr().err == f"error: cannot read Terraform outputs {missing}: No such file or directory\n"

    no_secret = outputs_file(tmp_path / "url-only.json", gateway_url="https://gw.example.com")
    assert create_user.main(["--tf-outputs", str(no_secret), *ALICE]) == 2
    assert capsys.readouterr().err == (
        "error: no master key: set LITELLM_MASTER_KEY or pass --master-key-secret-arn ARN (or --tf-outputs)\n"
    )
