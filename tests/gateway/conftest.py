"""Clients of the session gateway beside the SDK fixtures of tests/conftest.py: raw httpx, the emulator control API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support.stack import Gateway


@pytest.fixture
def http(gateway: Gateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url, timeout=60) as client:
        yield client


@pytest.fixture
def emulator_log(emulator_url: str) -> Iterator[httpx.Client]:
    """A client of the emulator's control API, with its request counters reset before the test."""
    with httpx.Client(base_url=emulator_url, timeout=10) as client:
        client.delete("/emulator/requests").raise_for_status()
        client.delete("/emulator/faults").raise_for_status()
        yield client
        client.delete("/emulator/faults").raise_for_status()
