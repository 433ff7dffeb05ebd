"""scripts/gateway_login.py as a user runs it: AWS credentials, the SSO device flow (a person approves the code
while the CLI polls), GitHub Actions' token; the 0600 per-profile cache, reuse and renewal; the apiKeyHelper mode."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from scripts.admin_double import AdminDouble

from llmgw.paths import REPO
from support.identity import Sts
from support.oidc_issuer import Issuer

SCRIPT = REPO / "scripts" / "gateway_login.py"


def run(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ACTIONS_", "LLMGW_", "ANTHROPIC_"))}
    base.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), **(env or {}))
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=base, timeout=timeout, cwd=home
    )


def aws_env(session) -> dict[str, str]:
    frozen = session.get_credentials().get_frozen_credentials()
    env = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
    if frozen.token:
        env["AWS_SESSION_TOKEN"] = frozen.token
    return env


def test_aws_login_caches_0600_and_the_helper_prints_the_same_key(tmp_path, broker, sts: Sts, double) -> None:
    env = aws_env(sts.role_session("Developer", "gina@example.com"))
    login = run(tmp_path, "login", "--gateway", broker.url, "--method", "aws", "--json", env=env)
    assert login.returncode == 0, login.stderr
    summary = json.loads(login.stdout)
    assert summary["rule"] == "developers" and summary["key_alias"].endswith(".gina@example.com.laptop")
    cache = tmp_path / ".cache" / "llmgw" / "login" / "default.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600 and stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    stored = json.loads(cache.read_text())
    helper = run(tmp_path, "--no-check", env=env)
    assert helper.returncode == 0, helper.stderr
    assert helper.stdout == stored["key"] + "\n" and double.authenticates(stored["key"])
    assert helper.stderr == ""


def test_the_helper_renews_a_key_about_to_expire(tmp_path, broker, sts: Sts, double) -> None:
    env = aws_env(sts.role_session("Developer", "hank@example.com"))
    assert run(tmp_path, "login", "--gateway", broker.url, "--method", "aws", env=env).returncode == 0
    first = json.loads((tmp_path / ".cache/llmgw/login/default.json").read_text())["key"]
    time.sleep(0.1)
    # keys of this rule live 4h: asking for 5h left forces a renewal (after the broker's re-issue window: same key)
    renewed = run(tmp_path, "--no-check", "--min-valid", "5h", env=env)
    assert renewed.returncode == 0, renewed.stderr
    assert renewed.stdout.strip() == first  # within the 2-minute re-issue window the broker hands the same key


def test_sso_device_flow_then_silent_refresh(tmp_path, broker, idp: Issuer, double: AdminDouble) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPT),
            "login",
            "--gateway",
            broker.url,
            "--method",
            "sso",
            "--profile",
            "corp",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "HOME": str(tmp_path),
            "XDG_CACHE_HOME": str(tmp_path / ".cache"),
        },
    )
    prompt = proc.stderr.readline()
    assert "To sign in, open" in prompt, prompt
    user_code = prompt.rsplit(" ", 1)[-1].strip()
    threading.Timer(0.5, idp.approve, (user_code, "alice")).start()  # the person confirms in the browser
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["rule"] == "ml-engineers"
    state = json.loads((tmp_path / ".cache/llmgw/login/corp.json").read_text())
    assert state["refresh_token"] and "id_token" not in state
    before = len([r for r in idp.requests if "/device_authorization" in r])
    # the key is revoked: the next helper run gets a new one with the refresh token, no browser
    double.keys.pop(next(t for t, k in double.keys.items() if k["key_alias"] == state["key_alias"]))
    time.sleep(0.1)
    helper = run(tmp_path, "--profile", "corp", "--no-check", "--min-valid", "30h")
    assert helper.returncode == 0, helper.stderr
    assert len([r for r in idp.requests if "/device_authorization" in r]) == before
    assert helper.stdout.strip()


def test_sso_without_a_session_tells_the_user_to_log_in(tmp_path, broker) -> None:
    helper = run(tmp_path, "--gateway", broker.url, "--method", "sso", "--no-check")
    assert helper.returncode == 1 and helper.stdout == ""
    assert "run gateway_login.py login --method sso once" in helper.stderr


def test_github_actions_recipe(tmp_path, broker, actions: Issuer, double: AdminDouble) -> None:
    env = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": actions.github_request_url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": actions.github_request_token,
    }
    result = run(tmp_path, "--gateway", broker.url, "--method", "github", "--no-check", env=env)
    assert result.returncode == 0, result.stderr
    assert double.authenticates(result.stdout.strip())
    assert double.key_by_alias("broker.github.acme.app.ci")
    missing = run(tmp_path, "--gateway", broker.url, "--method", "github", "--profile", "x", "--no-check")
    assert missing.returncode == 1 and "id-token: write" in missing.stderr


def test_a_refusal_is_one_line_and_exit_1(tmp_path, broker, sts: Sts) -> None:
    env = aws_env(sts.role_session("Contractor", "ivan"))
    result = run(tmp_path, "login", "--gateway", broker.url, "--method", "aws", env=env)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("gateway_login: the key broker refused (403)")
    unreachable = run(tmp_path, "login", "--gateway", "http://127.0.0.1:9", "--method", "aws", env=env)
    assert unreachable.returncode == 1 and "cannot reach the key broker" in unreachable.stderr


def test_help_and_bad_arguments(tmp_path) -> None:
    assert run(tmp_path, "--help").returncode == 0
    bad = run(tmp_path, "--method", "kerberos")
    assert bad.returncode == 2


def test_the_broker_config_names_what_a_client_needs(broker, sts: Sts) -> None:
    config = httpx.get(f"{broker.url}/broker/v1/config").json()
    assert config["aws"]["sts_url"] == sts.url + "/" and config["aws"]["server_id"] == "llm-gateway.test"
    assert {p["name"] for p in config["oidc"]} == {"corp", "github"}
