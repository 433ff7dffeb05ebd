"""examples/: each is a root that CI's terraform job validates (every directory with .tf files under
infra/terraform), goes through the offline checks like any other directory, and the provider-free one is applied
here with the real terraform."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from support import bedrock_policy as bp

from .tflib import REPO, TF_ROOT, TfDir, tf_dirs

EXAMPLES = TF_ROOT / "examples"


def test_examples_exist_and_are_checked_like_every_directory() -> None:
    examples = sorted(p for p in EXAMPLES.iterdir() if any(p.glob("*.tf")))
    assert {p.name for p in examples} >= {"complete", "bedrock-policy"}
    assert set(examples) <= set(tf_dirs())
    ci = (REPO / ".github" / "workflows" / "ci.yml").read_text()
    assert "git ls-files 'infra/terraform/*.tf'" in ci, "CI's terraform job must walk every directory, examples too"
    for example in examples:
        assert (example / "README.md").is_file(), example
        for call in TfDir.load(example).module_calls.values():
            assert call["source"].startswith('"../../modules/'), example


def test_the_bedrock_policy_example_applies_offline(tmp_path: Path) -> None:
    terraform = shutil.which("terraform")
    assert terraform, "the terraform CLI (>= 1.11) is not on PATH"
    shutil.copytree(REPO / "infra", tmp_path / "infra", ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    cwd = tmp_path / "infra" / "terraform" / "examples" / "bedrock-policy"
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")

    def tf(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([terraform, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=120)  # fmt: skip

    assert tf("init", "-input=false").returncode == 0
    applied = tf(
        "apply", "-auto-approve", "-input=false", "-var", "region=us-east-1", "-var", "account_id=111122223333"
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    out = json.loads(tf("output", "-json").stdout)
    assert out["bedrock_policy_json"]["value"] == bp.task_policy_json(region="us-east-1", account_id="111122223333")
