"""Fixtures of the cost-metrics callback tests: an isolated registry per unit test, metric snapshots of a gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine

import pytest
from prometheus_client import CollectorRegistry

from llmgw_callbacks.cost_metrics import CostMetricsLogger
from llmgw_callbacks.metrics import Metrics
from llmgw_callbacks.settings import Settings


def run(coro: Coroutine[object, object, object]) -> object:
    return asyncio.run(coro)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def make_logger(registry: CollectorRegistry) -> Callable[..., CostMetricsLogger]:
    """A callback writing to the test's own registry (single-process mode), with optional settings."""

    def make(**settings: object) -> CostMetricsLogger:
        # user ids as labels, so the tests read who spent; pseudonyms (the default) have their own tests
        settings.setdefault("user_labels", "id")
        s = Settings(**settings)  # type: ignore[arg-type]
        return CostMetricsLogger(settings=s, metrics=Metrics(s, registry))

    return make
