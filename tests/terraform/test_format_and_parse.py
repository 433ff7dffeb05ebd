"""terraform fmt (the local binary works offline) and python-hcl2 parse every file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .tflib import REPO, TF_ROOT, parse, tf_files

TFTEST_FILES = sorted(TF_ROOT.rglob("*.tftest.hcl"))


def test_terraform_fmt_check() -> None:
    terraform = shutil.which("terraform")
    assert terraform, "the terraform CLI (>= 1.11) is not on PATH"
    proc = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", str(TF_ROOT)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"terraform fmt -check failed; run `make fmt`:\n{proc.stdout}\n{proc.stderr}"


def test_there_is_terraform_to_check() -> None:
    files = tf_files()
    assert len(files) >= 60, files
    assert not [p for p in files if ".terraform" in p.parts]


@pytest.mark.parametrize("path", tf_files() + TFTEST_FILES, ids=lambda p: str(Path(p).relative_to(REPO)))
def test_every_file_parses(path: Path) -> None:
    doc = parse(path)
    assert isinstance(doc, dict) and doc, f"{path} parsed to nothing"
