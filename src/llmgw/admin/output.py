"""Plain-text tables and JSON for the operator scripts (stdout for results, stderr for errors)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def emit_json(data: Any, stream: TextIO | None = None) -> None:
    print(json.dumps(data, indent=2, sort_keys=False, default=str), file=stream or sys.stdout)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """Columns as (key, header); every value rendered with cell()."""
    matrix = [[header for _, header in columns]] + [[cell(r.get(k)) for k, _ in columns] for r in rows]
    widths = [max(len(line[i]) for line in matrix) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in matrix)


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
