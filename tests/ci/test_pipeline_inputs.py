"""What the plan and deploy workflows hand Terraform, rendered exactly: for every job that runs `terraform plan`,
the root directory of each matrix environment, the variable files Terraform loads there from a checkout (only
files tracked in git exist on the runner), and any -var/-var-file/TF_VAR_*. The real terraform then plans each
root's variables.tf with exactly those inputs (offline: variables need no provider), so a required variable
without a value, or a value its validation refuses, fails here and not on the first PR.

Failed before: `*.tfvars` were git-ignored and no TF_VAR_* was set, so aws_region reached neither workflow."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
import yaml
from terraform.tflib import ENVIRONMENTS, TfDir

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
TERRAFORM = shutil.which("terraform")
AUTO_LOADED = re.compile(r"^(terraform\.tfvars(\.json)?|.+\.auto\.tfvars(\.json)?)$")


def tracked(directory: Path) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", str(directory)],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return sorted(REPO / line for line in out.splitlines() if (REPO / line).parent == directory)


def plan_jobs() -> list[tuple[str, str, dict]]:
    """(workflow, job id, job) for every job with a step that runs terraform plan."""
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job_id, job in (yaml.safe_load(path.read_text()).get("jobs") or {}).items():
            runs = "\n".join(step.get("run", "") for step in job.get("steps", []))
            if re.search(r"terraform (?:-chdir=\S+ )?plan\b", runs):
                found.append((path.name, job_id, job))
    return found


def inputs_of(workflow: str, job: dict) -> list[dict]:
    """Per matrix environment: the root directory and everything that sets a variable."""
    doc = yaml.safe_load((WORKFLOWS / workflow).read_text())
    rendered = []
    for row in job["strategy"]["matrix"]["include"]:
        env = {**doc.get("env", {}), **job.get("env", {})}
        tf_dir = env["TF_DIR"].replace("${{ matrix.environment }}", row["environment"])
        steps = job.get("steps", [])
        tf_vars = {k: v for scope in [env, *(s.get("env", {}) for s in steps)] for k, v in scope.items()
                   if k.startswith("TF_VAR_")}  # fmt: skip
        commands = [line for s in steps for line in s.get("run", "").splitlines() if "terraform" in line]
        var_args = [a for c in commands for a in re.findall(r"(-var(?:-file)?[= ]\S+)", c)]
        root = REPO / tf_dir
        files = [p for p in tracked(root) if AUTO_LOADED.match(p.name)]
        rendered.append({"environment": row["environment"], "root": root, "files": files,
                         "tf_vars": tf_vars, "var_args": var_args})  # fmt: skip
    return rendered


CASES = [
    pytest.param(workflow, inputs, id=f"{workflow}:{job_id}:{inputs['environment']}")
    for workflow, job_id, job in plan_jobs()
    for inputs in inputs_of(workflow, job)
]


def test_both_plan_workflows_plan_every_environment() -> None:
    planned = {(c.values[0], c.values[1]["environment"]) for c in CASES}
    environments = {p.name for p in ENVIRONMENTS.iterdir() if p.name != "bootstrap" and any(p.glob("*.tf"))}
    assert planned == {(w, e) for w in ("terraform-plan.yml", "deploy.yml") for e in environments}


@pytest.mark.parametrize(("workflow", "inputs"), CASES)
def test_inputs_come_from_one_committed_file(workflow: str, inputs: dict) -> None:
    """One documented way: <env>.auto.tfvars, committed. No -var, no TF_VAR_ that a laptop apply would not have."""
    env = inputs["environment"]
    assert [p.name for p in inputs["files"]] == [f"{env}.auto.tfvars"], inputs["files"]
    assert inputs["var_args"] == [] and inputs["tf_vars"] == {}, (inputs["var_args"], inputs["tf_vars"])
    with inputs["files"][0].open() as f:
        assigned = {k for k in hcl2.load(f) if not k.startswith("__")}
    assert assigned == set(TfDir.load(inputs["root"]).variables), "set every input explicitly, null included"


def plan_variables(root: Path, files: list[Path], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """terraform plan of the root's variables.tf alone, with exactly the given variable files."""
    assert TERRAFORM, "the terraform CLI (>= 1.11) is not on PATH"
    work = tmp_path / root.name
    work.mkdir()
    shutil.copy(root / "variables.tf", work / "variables.tf")
    for f in files:
        shutil.copy(f, work / f.name)
    names = sorted(TfDir.load(root).variables)
    (work / "outputs.tf").write_text("\n".join(f'output "{n}" {{\n  value = var.{n}\n}}' for n in names) + "\n")
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
    env = {k: v for k, v in env.items() if not k.startswith("TF_VAR_")}
    run = lambda *a: subprocess.run([TERRAFORM, *a, "-no-color"], cwd=work, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)  # fmt: skip
    init = run("init", "-input=false")
    assert init.returncode == 0, init.stderr
    return run("apply", "-auto-approve", "-input=false")


@pytest.mark.parametrize(("workflow", "inputs"), CASES)
def test_every_required_root_variable_gets_a_valid_value(workflow: str, inputs: dict, tmp_path: Path) -> None:
    result = plan_variables(inputs["root"], inputs["files"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = subprocess.run([TERRAFORM, "output", "-json"], cwd=tmp_path / inputs["root"].name,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    values = json.loads(out.stdout)  # (outputs that are null are not listed)
    assert set(values) <= set(TfDir.load(inputs["root"]).variables)
    assert values["environment"]["value"] == inputs["environment"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_no_root_variable_has_a_default(env: str) -> None:
    """A default is what CI would silently take where a laptop passed a value (a custom domain, admin CIDRs):
    the next CI apply would then delete what the laptop created. Roots therefore have required inputs only."""
    defaulted = [n for n, v in TfDir.load(ENVIRONMENTS / env).variables.items() if not v.required]
    assert defaulted == []


def test_a_missing_input_fails_the_plan(tmp_path: Path) -> None:
    """The check bites: without the committed file, terraform refuses to plan (what CI did before)."""
    result = plan_variables(ENVIRONMENTS / "dev", [], tmp_path)
    assert result.returncode != 0 and "No value for required variable" in result.stderr, result.stderr


def test_apply_uses_the_saved_plan_only() -> None:
    text = (WORKFLOWS / "terraform-apply.yml").read_text()
    assert re.search(r'terraform -chdir="\$TF_DIR" apply [^\n]*"\$RUNNER_TEMP/plan/tfplan"', text)
    assert "-var" not in text and "TF_VAR_" not in text


def test_committed_inputs_are_not_ignored() -> None:
    for env in ("dev", "prod"):
        path = ENVIRONMENTS / env / f"{env}.auto.tfvars"
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO)
        assert ignored.returncode == 1, f"{path} is git-ignored: CI would not see it"
