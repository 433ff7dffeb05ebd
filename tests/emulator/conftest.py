"""Fixtures for the emulator's own tests: a real emulator process (``python -m bedrock_emulator``, started with
the Procfile command on a free port and always stopped) and boto3 / HTTP helpers pointed at it."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Before anything imports LiteLLM: never reach for remote cost maps / beta-header files.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")

import boto3
from botocore.config import Config

from support.stack import run_emulator

HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
OPUS = "us.anthropic.claude-opus-4-5-20251101-v1:0"
HAIKU_BASE = "anthropic.claude-haiku-4-5-20251001-v1:0"

# Explicit server-wide knobs, so a developer's BEDROCK_EMULATOR_* variables cannot change the tests.
DEFAULT_KNOBS = {
    "BEDROCK_EMULATOR_LATENCY_MS": "0",
    "BEDROCK_EMULATOR_TTFT_MS": "0",
    "BEDROCK_EMULATOR_TOKENS_PER_SECOND": "0",
    "BEDROCK_EMULATOR_OUTPUT_TOKENS": "16",
    "BEDROCK_EMULATOR_LOG_LEVEL": "INFO",
}


@dataclass(frozen=True)
class Emulator:
    url: str

    def call(self, method: str, path: str, payload: object | None = None, timeout: float = 10) -> tuple[int, object]:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def post_raw(
        self, path: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 10
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, data=body, method="POST", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def requests(self) -> dict:
        status, body = self.call("GET", "/emulator/requests")
        assert status == 200
        assert isinstance(body, dict)
        return body

    def set_faults(self, rules: list[dict]) -> None:
        status, body = self.call("PUT", "/emulator/faults", rules)
        assert status == 200, body

    def reset(self) -> None:
        assert self.call("DELETE", "/emulator/faults")[0] == 200
        assert self.call("DELETE", "/emulator/requests")[0] == 200


def bedrock_client(url: str, read_timeout: float = 15):
    """boto3 bedrock-runtime pointed at the emulator; no retries so every fault is seen as it is."""
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=read_timeout),
    )


@pytest.fixture(scope="package")
def emulator_process(run_dir: Path) -> Iterator[str]:
    with run_emulator(run_dir, **DEFAULT_KNOBS) as url:
        yield url


@pytest.fixture
def emulator(emulator_process: str) -> Iterator[Emulator]:
    """The package's emulator with no fault rules and zeroed request counters."""
    emu = Emulator(emulator_process)
    emu.reset()
    yield emu
    emu.reset()


@pytest.fixture
def client(emulator: Emulator):
    return bedrock_client(emulator.url)
