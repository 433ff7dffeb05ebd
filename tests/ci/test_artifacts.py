"""No plan or state file leaves a runner unencrypted: every workflow's upload-artifact steps and S3 uploads, read
from their run scripts (tests/ci/artifact_rules.py).

Failed before: terraform-plan.yml (plan / "Save the plan as an artifact") and deploy.yml (plan / "Save the plan for
the apply job") uploaded plan-out/, which held the binary tfplan with the origin-verify header value and the Redis
AUTH token in clear, for 14 and 30 days.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ci.artifact_rules import workflow_leaks
from ci.workflow_rules import load

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
SAMPLE = Path(__file__).parent / "samples" / "plan-artifact-leak.yml"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_no_workflow_uploads_a_plan_or_state_unencrypted(path: Path) -> None:
    leaks = workflow_leaks(load(path))
    assert not leaks, "\n".join(map(str, leaks))


def test_the_check_catches_every_way_out_of_the_sample() -> None:
    """The rule bites: the sample reproduces main's upload of plan-out/ (and other leaks), one job each."""
    workflow = load(SAMPLE)
    caught = {leak.job for leak in workflow_leaks(workflow)}
    assert caught == set(workflow["jobs"]), set(workflow["jobs"]) - caught


def jobs(name: str) -> dict:
    return load(REPO / ".github" / "workflows" / name)["jobs"]


def run_text(job: dict) -> str:
    return "\n".join(str(s.get("run", "")) for s in job["steps"])


def test_pull_request_plans_upload_the_rendered_plan_only() -> None:
    plan = jobs("terraform-plan.yml")["plan"]
    (upload,) = [s for s in plan["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "plan-out/"
    script = run_text(plan)
    written = set(re.findall(r"plan-out/([\w.-]+)", script))
    assert written == {"plan.txt", "summary.json"}, written
    assert "show -no-color tfplan > plan-out/plan.txt" in script  # `terraform show` redacts sensitive values


def test_the_deploy_plan_is_stored_with_sse_kms_and_applied_from_there_after_a_byte_check() -> None:
    plan = jobs("deploy.yml")["plan"]
    script = run_text(plan)
    assert re.search(r"aws s3api put-object .*--body \"\$TF_DIR/tfplan\"", script.replace("\\\n", " "))
    assert '--server-side-encryption aws:kms --ssekms-key-id "$PLAN_KMS_KEY_ARN"' in script
    assert 'key="plans/${ENVIRONMENT}/' in script, "the prefix the plan-store policies name (modules/github-oidc)"
    kms = {row["kms_variable"] for row in plan["strategy"]["matrix"]["include"]}
    assert kms == {"TF_PLAN_KMS_KEY_ARN_DEV", "TF_PLAN_KMS_KEY_ARN_PROD"}
    written = set(re.findall(r"plan-out/([\w.-]+)", script))
    assert written == {"plan.txt", "summary.json", "stored-plan.json"}, written
    apply = jobs("terraform-apply.yml")["apply"]
    steps = [s.get("name", "") for s in apply["steps"]]
    fetch = next(i for i, n in enumerate(steps) if n.startswith("Fetch the reviewed binary plan"))
    assert steps.index("terraform init") < fetch < steps.index("terraform apply (the saved plan, nothing else)")
    fetch_script = apply["steps"][fetch]["run"]
    assert "--version-id" in fetch_script and "sha256sum --check --strict" in fetch_script
    assert 'cmp "$RUNNER_TEMP/plan-again.txt" "$RUNNER_TEMP/plan/plan.txt"' in fetch_script
