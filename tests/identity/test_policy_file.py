"""The policy file: the shipped one is valid against the gateway's models; every mistake is named with its place."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from llmgw.broker import policy
from llmgw.paths import CONFIG, REPO

SHIPPED = REPO / "infra" / "broker" / "policy.yaml"


def check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "llmgw.broker", "check-policy", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def test_the_shipped_policy_is_valid() -> None:
    done = check(str(SHIPPED), "--gateway-config", str(CONFIG))
    assert done.returncode == 0, done.stderr
    assert "3 rules: developers, ml-engineers, ci-main" in done.stdout


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["rules"][0]["budget"].update(duration="forever"), "rules[0] (developers).budget.duration"),
        (lambda d: d["rules"][0].update(key_ttl="3d"), "longer than 24h"),
        (lambda d: d["rules"][1]["oidc"].update(provider="okta"), "provider 'okta' is not in providers.oidc"),
        (lambda d: d["rules"][2].update(models=["gpt-4"]), "['gpt-4'] not served by the gateway"),
        (lambda d: d["rules"][0].update(oidc={"provider": "corp"}), "needs exactly one of aws, oidc, github"),
        (lambda d: d["rules"][0].update(tem="x"), "rules[0] (developers).tem: Extra inputs are not permitted"),
        (lambda d: d["providers"]["aws"].update(accounts=["12"]), "not a 12-digit AWS account id"),
        (lambda d: d["rules"].append(dict(d["rules"][0])), "the rule name is used twice"),
        (lambda d: d["rules"][0]["aws"].update(arn=["role/Dev*"]), "is not an IAM or STS ARN pattern"),
    ],
)
def test_mistakes_are_named(tmp_path, edit, message) -> None:
    document = yaml.safe_load(SHIPPED.read_text())
    edit(document)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document))
    done = check(str(path), "--gateway-config", str(CONFIG))
    assert done.returncode == 1 and message in done.stderr, done.stderr
    with pytest.raises(policy.PolicyError):
        policy.load(path, known_models=["claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"])


def test_not_yaml_and_missing_file(tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text("rules: [\n")
    assert "is not valid YAML" in check(str(tmp_path / "bad.yaml")).stderr
    assert "cannot read the policy file" in check(str(tmp_path / "none.yaml")).stderr
