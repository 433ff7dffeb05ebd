"""plan_report.py (the PR plan comment) against real `terraform plan` output.

The plans use only Terraform's built-in `terraform_data` resource, so `terraform init` needs no provider download.
Terraform's own "Plan: X to add, Y to change, Z to destroy." line is the expected answer for the counts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / ".github" / "scripts" / "plan_report.py"
PLAN_LINE = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.")


def tf(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
    return subprocess.run(
        ["terraform", f"-chdir={workdir}", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def plan(workdir: Path, config: str) -> tuple[Path, Path, str]:
    (workdir / "main.tf").write_text(config)
    if not (workdir / ".terraform").exists():
        assert tf(workdir, "init", "-no-color").returncode == 0
    result = tf(workdir, "plan", "-no-color", "-out=tfplan")
    assert result.returncode == 0, result.stderr
    text = tf(workdir, "show", "-no-color", "tfplan").stdout
    (workdir / "plan.txt").write_text(text)
    (workdir / "plan.json").write_text(tf(workdir, "show", "-json", "tfplan").stdout)
    return workdir / "plan.json", workdir / "plan.txt", text


def report(workdir: Path, env: str = "dev", *extra: str) -> tuple[subprocess.CompletedProcess[str], str]:
    out = workdir / "comment.md"
    args = [sys.executable, str(SCRIPT), "--environment", env, "--out", str(out), "--json", *extra]
    if "--error-log" not in extra:
        args += ["--plan-json", str(workdir / "plan.json"), "--plan-text", str(workdir / "plan.txt")]
    result = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    return result, (out.read_text() if out.exists() else "")


def terraform_counts(text: str) -> dict[str, int]:
    m = PLAN_LINE.search(text)
    assert m, text
    return {"add": int(m[1]), "change": int(m[2]), "destroy": int(m[3])}


def test_counts_match_terraform_for_create_update_replace_and_destroy(tmp_path: Path) -> None:
    # 1. three creates
    v1 = """
resource "terraform_data" "keep" { input = "a" }
resource "terraform_data" "edit" { input = "before" }
resource "terraform_data" "gone" { input = "x" }
resource "terraform_data" "swap" { triggers_replace = ["v1"] }
"""
    _, _, text = plan(tmp_path, v1)
    result, comment = report(tmp_path)
    data = json.loads(result.stdout)
    assert (
        {k: data[k] for k in ("add", "change", "destroy")}
        == terraform_counts(text)
        == {
            "add": 4,
            "change": 0,
            "destroy": 0,
        }
    )
    assert tf(tmp_path, "apply", "-no-color", "tfplan").returncode == 0

    # 2. one in-place update, one replacement, one destroy
    v2 = """
resource "terraform_data" "keep" { input = "a" }
resource "terraform_data" "edit" { input = "after" }
resource "terraform_data" "swap" { triggers_replace = ["v2"] }
"""
    _, _, text = plan(tmp_path, v2)
    result, comment = report(tmp_path, "prod", "--run-url", "https://example.test/run/1", "--commit", "a" * 40)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = terraform_counts(text)
    assert expected["add"] == 1 and expected["change"] == 1 and expected["destroy"] == 2  # replace = add + destroy
    assert {k: data[k] for k in ("add", "change", "destroy")} == expected
    assert data["has_changes"] is True and data["failed"] is False
    assert comment.startswith("<!-- terraform-plan:prod -->\n")
    assert f"<!-- plan-fingerprint:prod:{data['fingerprint']} -->" in comment
    assert (
        f"**{expected['add']}** to add, **{expected['change']}** to change, **{expected['destroy']}** to destroy"
        in comment
    )
    assert "<details><summary>Full plan</summary>" in comment and comment.rstrip().endswith("</details>")
    assert text.strip() in comment  # the whole plan, folded
    assert "https://example.test/run/1" in comment and "`aaaaaaaaaaaa`" in comment


def test_no_changes_and_identical_plans_share_a_fingerprint(tmp_path: Path) -> None:
    config = 'resource "terraform_data" "x" { input = "same" }\n'
    plan(tmp_path, config)
    assert tf(tmp_path, "apply", "-no-color", "tfplan").returncode == 0
    _, _, text = plan(tmp_path, config)
    result, comment = report(tmp_path)
    data = json.loads(result.stdout)
    assert data["has_changes"] is False and "(no changes)" in comment
    # A second plan of the same code and state gives the same fingerprint (deploy.yml compares them).
    _, _, text2 = plan(tmp_path, config)
    assert json.loads(report(tmp_path)[0].stdout)["fingerprint"] == data["fingerprint"]
    assert text == text2


def test_a_failed_plan_renders_its_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" { input = var.missing }\n')
    assert tf(tmp_path, "init", "-no-color").returncode == 0
    failed = tf(tmp_path, "plan", "-no-color")
    assert failed.returncode == 1
    log = tmp_path / "plan.log"
    log.write_text(failed.stdout + failed.stderr)
    result, comment = report(tmp_path, "dev", "--error-log", str(log))
    assert result.returncode == 0 and json.loads(result.stdout) == {"environment": "dev", "failed": True}
    assert comment.startswith("<!-- terraform-plan:dev -->") and "(failed)" in comment
    assert "Reference to undeclared input variable" in comment


def test_huge_plans_are_truncated_below_githubs_comment_limit(tmp_path: Path) -> None:
    resources = "\n".join(f'resource "terraform_data" "r{i}" {{ input = "{"x" * 200}" }}' for i in range(400))
    _, _, text = plan(tmp_path, resources)
    assert len(text) > 65_536
    result, comment = report(tmp_path)
    assert result.returncode == 0
    assert len(comment) < 65_536
    assert "Truncated" in comment and json.loads(result.stdout)["add"] == 400


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text("{not json")
    (tmp_path / "plan.txt").write_text("")
    result, _ = report(tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    (tmp_path / "plan.json").write_text('{"hello": 1}')
    result, _ = report(tmp_path)
    assert result.returncode == 2 and "not a Terraform JSON plan" in result.stderr
    result, _ = report(tmp_path, "Prod!")
    assert result.returncode == 2 and "invalid --environment" in result.stderr
