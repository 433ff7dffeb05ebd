"""Fixtures of the identity tests: STS (moto server, signatures verified), two OIDC issuers (the company IdP and
"GitHub Actions"), LiteLLM's admin API contract double, and the key broker as its Procfile process with its own
credential minted by ``python -m llmgw.broker credential``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scripts.admin_double import AdminDouble, serve

from llmgw.paths import CONFIG, REPO
from support.identity import BrokerProcess, Sts, policy_document, run_broker, run_sts, write_policy
from support.oidc_issuer import Issuer, github_claims
from support.oidc_issuer import serve as serve_issuer
from support.stack import new_master_key

PEOPLE = {
    "alice": {"sub": "00u-alice", "email": "alice@example.com", "groups": ["ml", "everyone"]},
    "bob": {"sub": "00u-bob", "email": "bob@example.com", "groups": ["everyone"]},
}
RULES: list[dict[str, Any]] = [
    {
        "name": "developers",
        "aws": {"arn": ["arn:aws:iam::123456789012:role/Developer"]},
        "team": "platform",
        "models": ["claude-haiku-4-5", "claude-sonnet-5-5"],
        "budget": {"max_usd": 50, "duration": "30d"},
        "rpm": 60,
        "tpm": 100000,
        "key_ttl": "4h",
    },
    {
        "name": "build-users",
        "aws": {"arn": ["arn:aws:iam::123456789012:user/build-*"]},
        "team": "ci",
        "models": ["claude-haiku-4-5"],
        "key_ttl": "1h",
    },
    {
        "name": "ml-engineers",
        "oidc": {"provider": "corp", "groups": ["ml"]},
        "team": "ml",
        "models": ["claude-opus-5-5", "claude-haiku-5-5"],
        "budget": {"max_usd": 200, "duration": "30d"},
    },
    {
        "name": "ci-main",
        "github": {"repository": ["acme/app"], "ref": ["refs/heads/main"]},
        "team": "ci",
        "models": ["claude-haiku-4-5"],
        "key_ttl": "1h",
        "rpm": 30,
    },
]


@pytest.fixture(scope="session")
def sts(run_dir: Path) -> Iterator[Sts]:
    with run_sts(run_dir) as s:
        yield s


@pytest.fixture
def idp() -> Iterator[Issuer]:
    with serve_issuer(Issuer(users={k: dict(v) for k, v in PEOPLE.items()})) as issuer:
        yield issuer


@pytest.fixture
def actions() -> Iterator[Issuer]:
    """GitHub Actions' token service for a push to main of acme/app."""
    with serve_issuer(Issuer(github_claims=github_claims("acme/app"))) as issuer:
        yield issuer


@pytest.fixture
def double() -> Iterator[AdminDouble]:
    with serve(AdminDouble(master_key=new_master_key())) as d:
        yield d
    assert d.violations == [], "the broker sent requests LiteLLM 1.106.2 does not accept"


def mint_credential(double: AdminDouble) -> dict[str, Any]:
    """`python -m llmgw.broker credential` with the master key, once (what an operator runs at install time)."""
    env = {"PATH": "/usr/bin:/bin", "LITELLM_MASTER_KEY": double.master_key}
    done = subprocess.run(
        [sys.executable, "-m", "llmgw.broker", "credential", "--gateway-url", double.url, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert double.master_key not in done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def policy_path(tmp_path: Path, sts: Sts, idp: Issuer, actions: Issuer) -> Path:
    return write_policy(tmp_path / "policy.yaml", policy_document(sts.url, idp.url, actions.url, RULES))


@pytest.fixture
def start_broker(run_dir: Path, double: AdminDouble, policy_path: Path) -> Iterator[Callable[..., BrokerProcess]]:
    stack = []

    def start(sweep: float = 1.0) -> BrokerProcess:
        credential = mint_credential(double)
        ctx = run_broker(
            run_dir, policy=policy_path, admin_url=double.url, admin_key=credential["key"], config=CONFIG, sweep=sweep
        )
        stack.append(ctx)
        return ctx.__enter__()

    yield start
    for ctx in reversed(stack):
        ctx.__exit__(None, None, None)


@pytest.fixture
def broker(start_broker: Callable[..., BrokerProcess]) -> BrokerProcess:
    return start_broker()
