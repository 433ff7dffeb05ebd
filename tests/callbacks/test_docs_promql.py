"""docs/cost-tracking.md: every PromQL block parses (promtool), and every exported series is documented."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from prometheus_client import CollectorRegistry

from llmgw.paths import REPO
from llmgw_callbacks.metrics import Metrics
from llmgw_callbacks.settings import Settings

DOC = REPO / "docs" / "cost-tracking.md"


def promql_blocks() -> list[str]:
    blocks = re.findall(r"```promql\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    return [block.strip().replace("$__range", "30d") for block in blocks]


def test_every_promql_expression_in_the_docs_parses(tmp_path: Path) -> None:
    expressions = promql_blocks()
    assert len(expressions) >= 10
    rules = {
        "groups": [
            {"name": "docs", "rules": [{"record": f"docs:expr_{i}", "expr": e} for i, e in enumerate(expressions)]}
        ]
    }
    path = tmp_path / "docs-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_exported_series_is_documented() -> None:
    registry = CollectorRegistry()
    Metrics(Settings(), registry)
    exported = {sample_name for metric in registry.collect() for sample_name in _names(metric)}
    text = DOC.read_text()
    missing = sorted(name for name in exported if f"`{name}`" not in text)
    assert not missing, missing


def _names(metric: object) -> set[str]:
    name = metric.name  # type: ignore[attr-defined]
    return {f"{name}_total"} if metric.type == "counter" else {name}  # type: ignore[attr-defined]
