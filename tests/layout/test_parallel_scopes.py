"""make test's split across workers (tests/conftest.py): the files that share the observability stack run on one
worker, so the list of those files must be the files that use it."""

from __future__ import annotations

import re

from conftest import ONE_WORKER_FILES, worker_scope

from llmgw.paths import REPO


def test_the_shared_stack_files_are_exactly_the_files_that_use_it() -> None:
    for fixture, files in ONE_WORKER_FILES.items():
        uses = re.compile(rf"def test_\w+\([^)]*\b{fixture}\b", re.S)
        users = {
            str(path.relative_to(REPO)) for path in (REPO / "tests").rglob("test_*.py") if uses.search(path.read_text())
        }
        assert users == set(files), f"tests/conftest.py ONE_WORKER_FILES[{fixture!r}] must list {sorted(users)}"


def test_every_other_file_is_its_own_scope() -> None:
    assert worker_scope("tests/observability/test_alerts.py::test_x[a]") == "metrics_stack"
    assert worker_scope("tests/gateway/test_iam.py::test_y") == "tests/gateway/test_iam.py"
