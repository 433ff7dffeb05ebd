"""Percentiles and least-squares slope (standard library only)."""

from __future__ import annotations

import math
from collections.abc import Sequence

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/mean/max in milliseconds (None when there is no value)."""
    if not seconds:
        return {"p50": None, "p95": None, "p99": None, "mean": None, "max": None, "n": 0}
    result: dict[str, float | None] = {f"p{q}": round(percentile(seconds, q) * 1000, 3) for q in PERCENTILES}
    result["mean"] = round(sum(seconds) / len(seconds) * 1000, 3)
    result["max"] = round(max(seconds) * 1000, 3)
    result["n"] = len(seconds)
    return result


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of ys over xs (NaN with fewer than two distinct xs)."""
    if len(xs) != len(ys) or len(xs) < 2:
        return math.nan
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    if var == 0:
        return math.nan
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var


def ratio(new: float | None, reference: float | None) -> float | None:
    """new / reference − 1 (e.g. +0.013 = 1.3 % more); None when either is missing or the reference is 0."""
    if new is None or reference is None or reference == 0 or math.isnan(new) or math.isnan(reference):
        return None
    return new / reference - 1
