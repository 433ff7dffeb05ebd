"""Claude Code (the real CLI) with scripts/gateway_login.py as its apiKeyHelper: a developer's AWS identity becomes
a broker key that Claude Code sends to the gateway, with no admin in the loop; a revoked key is replaced on the
next run. The gateway's key lookup is the contract double's key table (support/keygate.py: no database here);
tests/compose runs the same path with Postgres."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from identity.conftest import RULES, mint_credential
from scripts.admin_double import AdminDouble, serve

from claude_code.conftest import ClaudeCode, cli_path, inference
from llmgw.paths import CONFIG, REPO
from support.identity import Sts, policy_document, run_broker, run_sts, write_policy
from support.keygate import KeyGate
from support.keygate import serve as serve_gate
from support.stack import Gateway, new_master_key


@pytest.fixture(scope="module")
def sts_server(run_dir: Path) -> Iterator[Sts]:
    with run_sts(run_dir) as s:
        yield s


@pytest.fixture
def stack(run_dir: Path, tmp_path: Path, gateway: Gateway, sts_server: Sts) -> Iterator[tuple]:
    with serve(AdminDouble(master_key=new_master_key())) as double:
        policy = write_policy(
            tmp_path / "policy.yaml", policy_document(sts_server.url, "http://127.0.0.1:9", "http://127.0.0.1:9", RULES)
        )
        with (
            run_broker(
                run_dir, policy=policy, admin_url=double.url, admin_key=mint_credential(double)["key"], config=CONFIG
            ) as broker,
            serve_gate(KeyGate(double, gateway.url, gateway.master_key)) as gate,
        ):
            yield double, broker, gate
        assert double.violations == []


def test_claude_code_runs_on_a_broker_key_from_the_developers_aws_identity(
    stack, sts_server: Sts, gateway, tmp_path, upstream
) -> None:
    double, broker, gate = stack
    home, work = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    work.mkdir()
    creds = sts_server.role_session("Developer", "jo@example.com").get_credentials().get_frozen_credentials()
    helper = " ".join(
        shlex.quote(p)
        for p in (
            sys.executable,
            str(REPO / "scripts" / "gateway_login.py"),
            "--gateway",
            gate.url,
            "--broker",
            broker.url,
            "--method",
            "aws",
            "--profile",
            "cc",
        )
    )
    claude = ClaudeCode(cli_path(), Gateway(gate.url, "", gateway.process, None), home, work)
    claude.settings(apiKeyHelper=helper)
    aws = {
        "AWS_ACCESS_KEY_ID": creds.access_key,
        "AWS_SECRET_ACCESS_KEY": creds.secret_key,
        "AWS_SESSION_TOKEN": creds.token,
        "XDG_CACHE_HOME": str(home / ".cache"),
        "ANTHROPIC_MODEL": "claude-haiku-4-5",
        "ANTHROPIC_SMALL_FAST_MODEL": "claude-haiku-4-5",
    }
    first = claude.run("-p", "Reply with one word.", "--output-format", "json", **aws).json()
    assert first["is_error"] is False, first
    alias = "broker.aws.123456789012.Developer.jo@example.com.laptop"
    assert double.key_by_alias(alias) is not None
    assert {a for p, a, s in gate.seen if p == "/v1/messages"} == {alias}
    assert len(inference(upstream)) >= 1
    state = json.loads((home / ".cache/llmgw/login/cc.json").read_text())
    # the key is revoked (a policy edit, an admin): the next run's helper finds out and gets a new one
    double.keys.pop(next(t for t, k in double.keys.items() if k["key_alias"] == alias))
    second = claude.run("-p", "Reply with one word.", "--output-format", "json", **aws).json()
    assert second["is_error"] is False, second
    renewed = json.loads((home / ".cache/llmgw/login/cc.json").read_text())
    assert renewed["key"] != state["key"] and double.authenticates(renewed["key"])
    assert ("/v1/messages", "?", 401) not in gate.seen  # the revoked key never reached a model
