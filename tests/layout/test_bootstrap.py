"""tools/bootstrap.sh: a first install says what it does and shows its progress, one line per package."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from llmgw.paths import REPO

pytestmark = pytest.mark.timeout(180)


def test_a_first_install_shows_progress_per_package(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    shutil.copy(REPO / "tools" / "bootstrap.sh", tmp_path / "tools" / "bootstrap.sh")
    (tmp_path / "requirements-checkov.lock").write_text("# pinned\nsix==1.16.0\n\nidna==3.10\n")
    first = subprocess.run(
        ["bash", "tools/bootstrap.sh", "checkov"], cwd=tmp_path, capture_output=True, text=True, timeout=170
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "==> installing checkov into .venv-checkov (requirements-checkov.lock)",
        "    [1/2] six==1.16.0",
        "    [2/2] idna==3.10",
    ]
    again = subprocess.run(["bash", "tools/bootstrap.sh", "checkov"], cwd=tmp_path, capture_output=True, text=True)
    assert (again.returncode, again.stdout) == (0, "")  # installed already: silent and instant
