"""Clients of the session gateway: the official OpenAI and Anthropic SDKs and a raw httpx client."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from support.stack import Gateway


@pytest.fixture(scope="session")
def oai(gateway: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=gateway.master_key, timeout=60, max_retries=0)


@pytest.fixture(scope="session")
def claude(gateway: Gateway) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=gateway.master_key, timeout=60, max_retries=0)


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
