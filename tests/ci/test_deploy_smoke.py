"""Deploy proves itself: after `terraform apply` of an environment, the apply job waits for the new LiteLLM tasks,
runs scripts/smoke_test.py against the deployment through CloudFront, uploads its JUnit report, fails when a
check fails, and then tells how to roll back. Failed before: nothing ran after the apply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
APPLY = REPO / ".github" / "workflows" / "terraform-apply.yml"
DEPLOY = REPO / ".github" / "workflows" / "deploy.yml"


def steps() -> list[dict]:
    return yaml.safe_load(APPLY.read_text())["jobs"]["apply"]["steps"]


def index(predicate) -> int:
    found = [i for i, s in enumerate(steps()) if predicate(s)]
    assert len(found) == 1, found
    return found[0]


def test_smoke_test_runs_after_the_apply_and_fails_the_job() -> None:
    apply = index(lambda s: 'terraform -chdir="$TF_DIR" apply' in s.get("run", ""))
    wait = index(lambda s: "describe-services" in s.get("run", "") and "rolloutState" in s.get("run", ""))
    smoke = index(lambda s: "scripts/smoke_test.py" in s.get("run", ""))
    assert apply < wait < smoke
    run = steps()[smoke]
    assert "if" not in run and "continue-on-error" not in run, "a failing smoke test must fail the deploy"
    assert "--tf-outputs" in run["run"] and "--junit-xml" in run["run"] and "--admin-routes blocked" in run["run"]


def test_junit_report_is_uploaded_even_when_the_smoke_test_fails() -> None:
    upload = steps()[index(lambda s: str(s.get("uses", "")).startswith("actions/upload-artifact@"))]
    assert upload["if"] == "${{ !cancelled() }}"
    assert upload["with"]["path"].startswith("reports/smoke-") and upload["with"]["path"].endswith(".xml")
    assert "outputs.json" not in upload["with"]["path"], "terraform outputs stay on the runner"


def test_a_failed_deploy_says_how_to_roll_back() -> None:
    before = steps()[index(lambda s: s.get("id") == "before")]
    assert "describe-services" in before["run"] and "task_definition=" in before["run"]
    rollback = steps()[index(lambda s: s.get("name") == "How to roll back")]
    assert rollback["if"] == "${{ failure() }}" and "GITHUB_STEP_SUMMARY" in rollback["run"]
    assert "aws ecs update-service" in rollback["run"] and "git revert" in rollback["run"]
    assert rollback["env"]["PREVIOUS"] == "${{ steps.before.outputs.task_definition }}"


def test_both_environments_are_deployed_through_the_smoke_tested_job() -> None:
    jobs = yaml.safe_load(DEPLOY.read_text())["jobs"]
    for env in ("dev", "prod"):
        job = jobs[f"apply-{env}"]
        assert job["uses"] == "./.github/workflows/terraform-apply.yml" and job["with"]["environment"] == env
    assert "apply-dev" in jobs["apply-prod"]["needs"], "prod only after dev was applied and smoke-tested"


def test_the_smoke_test_cli_takes_the_flags_the_job_passes() -> None:
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "smoke_test.py"), "--help"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    for flag in ("--tf-outputs", "--admin-routes", "--junit-xml"):
        assert flag in out.stdout, flag
