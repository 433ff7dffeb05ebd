"""infra/terraform/modules/github-oidc: the trust policies the workflows rely on, evaluated by real Terraform.

The policy documents live in policies.tf as pure expressions of the variables, so `terraform console` evaluates them
(and the variable validations) with no provider download: the test copies variables.tf and policies.tf next to a
stub for local.oidc_provider_arn. The resources themselves are validated by `terraform validate` in CI and by
tests/terraform's offline schema check.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ci.workflow_rules import load

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "infra" / "terraform" / "modules" / "github-oidc"
WORKFLOWS = REPO / ".github" / "workflows"
PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
REQUIRED = {
    "name_prefix": "llmgw-prod",
    "github_repository": "acme/claude-gateway",
    "apply_environments": ["dev", "prod"],
    "apply_policy_arns": ["arn:aws:iam::123456789012:policy/llmgw-deployer"],
}


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert shutil.which("terraform"), "terraform is required"
    work = tmp_path_factory.mktemp("github-oidc")
    shutil.copy(MODULE / "variables.tf", work)
    shutil.copy(MODULE / "policies.tf", work)
    (work / "stub.tf").write_text(f'locals {{\n  oidc_provider_arn = "{PROVIDER_ARN}"\n}}\n')
    return work


def console(work: Path, expression: str, **variables: object) -> subprocess.CompletedProcess[str]:
    values = {**REQUIRED, **variables}
    (work / "terraform.tfvars.json").write_text(json.dumps({k: v for k, v in values.items() if v is not None}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1", NO_COLOR="1")
    return subprocess.run(
        ["terraform", f"-chdir={work}", "console"],
        input=f"jsonencode({expression})\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def evaluate(work: Path, expression: str, **variables: object) -> object:
    result = console(work, expression, **variables)
    assert result.returncode == 0 and "Invalid value for variable" not in result.stderr, result.stderr
    return json.loads(json.loads(result.stdout.strip()))


def trust(work: Path, role: str, **variables: object) -> dict:
    return json.loads(evaluate(work, f'local.trust_policies["{role}"]', **variables))


def subjects(policy: dict) -> list[str]:
    (statement,) = policy["Statement"]
    return statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]


def test_trust_policies_are_exact_and_scoped(harness: Path) -> None:
    for role, expected in {
        "plan": ["repo:acme/claude-gateway:pull_request", "repo:acme/claude-gateway:ref:refs/heads/main"],
        "apply": ["repo:acme/claude-gateway:environment:dev", "repo:acme/claude-gateway:environment:prod"],
    }.items():
        policy = trust(harness, role)
        (statement,) = policy["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Principal"] == {"Federated": PROVIDER_ARN}
        condition = statement["Condition"]
        assert set(condition) == {"StringEquals"}, "no StringLike / ForAllValues: exact matches only"
        assert condition["StringEquals"]["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        assert subjects(policy) == expected
        assert not any("*" in s for s in subjects(policy))


def test_immutable_subject_claims(harness: Path) -> None:
    ids = {"owner_id": 1234, "repository_id": 98765}
    assert subjects(trust(harness, "apply", github_immutable_ids=ids)) == [
        "repo:acme@1234/claude-gateway@98765:environment:dev",
        "repo:acme@1234/claude-gateway@98765:environment:prod",
    ]


def test_plan_role_without_pull_requests(harness: Path) -> None:
    policy = trust(harness, "plan", plan_allow_pull_requests=False, plan_branches=["main", "release"])
    assert subjects(policy) == [
        "repo:acme/claude-gateway:ref:refs/heads/main",
        "repo:acme/claude-gateway:ref:refs/heads/release",
    ]


def test_state_policy_reads_state_and_writes_only_lock_files(harness: Path) -> None:
    bucket = "arn:aws:s3:::acme-terraform-state"
    doc = json.loads(evaluate(harness, "local.plan_state_policy", state_bucket_arn=bucket, state_key_prefix="llmgw/"))
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["ListState"]["Condition"] == {"StringLike": {"s3:prefix": ["llmgw/*"]}}
    assert by_sid["ReadState"] == {
        "Sid": "ReadState",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": f"{bucket}/llmgw/*",
    }
    assert by_sid["StateLockFile"]["Resource"] == f"{bucket}/llmgw/*.tflock"
    writes = [a for s in doc["Statement"] for a in s["Action"] if a in ("s3:PutObject", "s3:DeleteObject")]
    assert writes and all(s["Resource"].endswith(".tflock") for s in doc["Statement"] if "s3:PutObject" in s["Action"])
    whole = json.loads(evaluate(harness, "local.plan_state_policy", state_bucket_arn=bucket))
    assert "Condition" not in {s["Sid"]: s for s in whole["Statement"]}["ListState"]
    assert evaluate(harness, "local.plan_state_policy") is None


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"github_repository": "acme/*"}, "github_repository must look like"),
        ({"apply_environments": ["prod*"]}, "apply_environments must be exact"),
        ({"apply_environments": []}, "apply_environments must name at least one"),
        ({"plan_branches": ["release/*"]}, "plan_branches must be exact branch names"),
        ({"create_oidc_provider": False}, "oidc_provider_arn is required"),
        ({"apply_policy_arns": ["AdministratorAccess"]}, "apply_policy_arns must be IAM policy ARNs"),
        ({"max_session_duration": 60}, "max_session_duration must be between"),
    ],
)
def test_validations_reject_unsafe_input(harness: Path, variables: dict, message: str) -> None:
    # `terraform console` reports failed validations as diagnostics (its exit code depends on the expression).
    result = console(harness, "local.plan_subjects", **variables)
    stderr = re.sub(r"\s+", " ", re.sub(r"\x1b\[[0-9;]*m|[│╷╵]", " ", result.stderr))
    assert "Invalid value for variable" in stderr and message in stderr, stderr


def expected_subject(workflow: str, job: str, environment: str | None = None) -> str:
    """The `sub` GitHub puts in the job's OIDC token (default subject template)."""
    doc = load(WORKFLOWS / workflow)
    job_doc = doc["jobs"][job]
    if "environment" in job_doc:
        assert environment is not None
        return f"repo:acme/claude-gateway:environment:{environment}"
    if "pull_request" in doc["on"]:
        return "repo:acme/claude-gateway:pull_request"
    assert doc["on"]["push"]["branches"] == ["main"]
    return "repo:acme/claude-gateway:ref:refs/heads/main"


def test_every_workflow_that_assumes_a_role_is_trusted_by_it(harness: Path) -> None:
    plan = subjects(trust(harness, "plan"))
    apply = subjects(trust(harness, "apply"))
    assert expected_subject("terraform-plan.yml", "plan") in plan
    assert expected_subject("deploy.yml", "plan") in plan
    for env in ("dev", "prod"):
        assert expected_subject("terraform-apply.yml", "apply", env) in apply
    # ...and no pull-request or branch token can ever assume the apply role.
    assert not set(plan) & set(apply)


def test_module_conventions() -> None:
    versions = (MODULE / "versions.tf").read_text()
    assert 'required_version = ">= 1.11"' in versions and 'version = "~> 6.26"' in versions
    variables = (MODULE / "variables.tf").read_text()
    names = re.findall(r'^variable "([a-z0-9_]+)"', variables, flags=re.MULTILINE)
    blocks = re.split(r'^variable "', variables, flags=re.MULTILINE)[1:]
    for name, block in zip(names, blocks, strict=True):
        assert "description =" in block and re.search(r"^\s+type\s+=", block, flags=re.MULTILINE), name
    outputs = re.findall(r'^output "([a-z0-9_]+)"', (MODULE / "outputs.tf").read_text(), flags=re.MULTILINE)
    readme = (MODULE / "README.md").read_text()
    for kind, listed in (("input", names), ("output", outputs)):
        for name in listed:
            assert f'<a name="{kind}_{name}"></a>' in readme, f"{name} is not documented in the module README"
    assert outputs and len(names) >= 10
