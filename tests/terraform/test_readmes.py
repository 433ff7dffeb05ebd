"""Module READMEs carry terraform-docs tables (between BEGIN_TF_DOCS / END_TF_DOCS, the format the pre-commit hook
writes with .terraform-docs.yml) whose content matches the module's variables and outputs: names, descriptions,
types, defaults, required. Checked offline by tools/terraform_docs.py, which also regenerates them (--write)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from .tflib import REPO, module_dirs

SPEC = importlib.util.spec_from_file_location("terraform_docs", REPO / "tools" / "terraform_docs.py")
terraform_docs = importlib.util.module_from_spec(SPEC)
sys.modules["terraform_docs"] = terraform_docs  # dataclasses look their module up there
SPEC.loader.exec_module(terraform_docs)


@pytest.mark.parametrize("module", module_dirs(), ids=lambda p: p.name)
def test_readme_tables_match_the_module(module: Path) -> None:
    assert terraform_docs.problems(module) == []


def test_the_check_bites_on_a_stale_readme(tmp_path: Path) -> None:
    module = tmp_path / "m"
    shutil.copytree(REPO / "infra/terraform/modules/secrets", module)
    (module / "variables.tf").write_text(
        (module / "variables.tf").read_text().replace("Prefix of the secret names", "Changed description")
        + '\nvariable "added" {\n  description = "An input the README does not list yet."\n  type = string\n}\n'
    )
    found = terraform_docs.problems(module)
    assert any("input added missing" in p for p in found), found
    assert any("input name: description" in p for p in found), found
    assert terraform_docs.write(module) and terraform_docs.problems(module) == []


def test_terraform_docs_settings_match_the_generated_format() -> None:
    settings = (REPO / ".terraform-docs.yml").read_text()
    for setting in ("anchor: true", "html: true", "escape: true", "by: name", "mode: inject"):
        assert setting in settings, setting
    hooks = (REPO / ".pre-commit-config.yaml").read_text()
    assert "id: terraform_docs" in hooks and "id: terraform_fmt" in hooks and "id: terraform_tflint" in hooks
