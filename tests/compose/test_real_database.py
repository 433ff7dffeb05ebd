"""The real-database path: the stock LiteLLM image with Postgres (infra/docker-compose.yml, offline profile), driven
by scripts/create_user.py and scripts/smoke_test.py exactly as an operator would, and the key broker issuing and
revoking keys through it.

Needs a Docker engine. Where there is none (this repository's development machine) the module is skipped with the
reason; CI's `compose` job (.github/workflows/ci.yml) runs it with LLMGW_REQUIRE_DOCKER=1, which turns a missing
engine into a failure instead of a skip.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmgw.paths import CONFIG, REPO
from support.identity import ACCOUNT, BrokerProcess, policy_document, run_broker, run_sts, write_policy
from support.oidc_issuer import Issuer, github_claims
from support.oidc_issuer import serve as serve_issuer

COMPOSE_FILE = REPO / "infra" / "docker-compose.yml"
ENV_EXAMPLE = REPO / "infra" / ".env.example"
PROJECT = "llmgw-compose-test"
GATEWAY = "http://127.0.0.1:4000"
VICTORIAMETRICS = "http://127.0.0.1:8428"
VMALERT = "http://127.0.0.1:8880"
GRAFANA = "http://127.0.0.1:3000"
ALERTMANAGER = "http://127.0.0.1:9093"
OFFLINE_KEYS = (
    "AWS_BEDROCK_RUNTIME_ENDPOINT",
    "BEDROCK_MANTLE_API_BASE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
)
MODEL = "claude-haiku-4-5"


def docker_engine_problem() -> str | None:
    """Why the compose stack cannot start here, or None when a Docker engine and `docker compose` answer."""
    docker = shutil.which("docker")
    if docker is None:
        return "the docker CLI is not installed"
    info = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    if info.returncode != 0:
        last = (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
        return f"no Docker engine answers `docker info` ({last})"
    plugin = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=60, check=False)
    if plugin.returncode != 0:
        return "the `docker compose` plugin is missing"
    return None


@pytest.fixture(scope="module", autouse=True)
def docker_required() -> None:
    problem = docker_engine_problem()
    if problem is None:
        return
    if os.environ.get("LLMGW_REQUIRE_DOCKER") == "1":
        pytest.fail(f"LLMGW_REQUIRE_DOCKER=1 but {problem}")
    pytest.skip(
        f"{problem}: the real-database path (stock LiteLLM image + Postgres, create_user.py and smoke_test.py "
        "against it) runs where Docker exists: CI's compose job, or `pytest tests/compose` on a Docker host"
    )


@dataclass
class Stack:
    master_key: str
    grafana_password: str
    env: dict[str, str]


def compose(env_file: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    cmd = ["docker", "compose", "-f", str(COMPOSE_FILE), "--env-file", str(env_file), "--project-name", PROJECT,
           "--profile", "offline", *args]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The compose stack with fresh secrets (offline profile: the emulator instead of Bedrock, 2 LiteLLM workers)."""
    master_key, salt = "sk-" + secrets.token_hex(32), "sk-" + secrets.token_hex(32)
    grafana_password = secrets.token_hex(24)
    offline = [line for line in ENV_EXAMPLE.read_text().splitlines() if line.split("=", 1)[0] in OFFLINE_KEYS]
    env_file = tmp_path_factory.mktemp("compose") / ".env"
    lines = [
        f"LITELLM_MASTER_KEY={master_key}",
        f"LITELLM_SALT_KEY={salt}",
        f"POSTGRES_PASSWORD={secrets.token_hex(24)}",
        f"GRAFANA_ADMIN_PASSWORD={grafana_password}",
        "LITELLM_WORKERS=2",
        "PROXY_BUDGET_RESCHEDULER_MIN_TIME=5",
        "PROXY_BUDGET_RESCHEDULER_MAX_TIME=6",
        *offline,
    ]
    env_file.write_text("\n".join(lines) + "\n")
    env_file.chmod(0o600)
    checked = compose(env_file, "config", "--quiet")
    assert checked.returncode == 0, checked.stderr
    up = compose(env_file, "up", "--detach", "--wait", "--wait-timeout", "600")
    try:
        assert up.returncode == 0, f"docker compose up failed:\n{up.stderr[-4000:]}\n{logs(env_file, 100)[-20000:]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "AWS_"))}
        env.update(LITELLM_GATEWAY_URL=GATEWAY, LITELLM_MASTER_KEY=master_key)
        yield Stack(master_key, grafana_password, env)
    finally:
        reports = os.environ.get("LLMGW_REPORTS_DIR")
        if reports:  # CI uploads the services' logs with the reports
            Path(reports).mkdir(parents=True, exist_ok=True)
            (Path(reports) / "compose.log").write_text(logs(env_file))
        down = compose(env_file, "down", "--volumes", "--remove-orphans", timeout=300)
        assert down.returncode == 0, down.stderr[-2000:]


def logs(env_file: Path, tail: int = 300) -> str:
    return compose(env_file, "logs", "--no-color", "--tail", str(tail), timeout=120).stdout


def script(stack: Stack, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / name), *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO, env=stack.env, check=False)  # fmt: skip
    assert stack.master_key not in proc.stdout + proc.stderr, "the master key must never be printed"
    return proc


def create_user(stack: Stack, *args: str) -> dict:
    proc = script(stack, "create_user.py", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def chat_status(key: str) -> int:
    body = {"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": "hello"}]}
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    req = urllib.request.Request(f"{GATEWAY}/v1/chat/completions", json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def settles_to(key: str, wanted: set[int], timeout: float = 90) -> int:
    """The status a request with this key gets once every worker's key cache agrees (LiteLLM caches verified keys
    in each worker's memory for 60 s: a block, unblock or delete reaches the other workers within that)."""
    deadline = time.monotonic() + timeout
    status = chat_status(key)
    while status not in wanted and time.monotonic() < deadline:
        time.sleep(3)
        status = chat_status(key)
    return status


def test_user_with_budget_key_and_rerun(stack: Stack) -> None:
    args = ["--email", "ci-user@example.com", "--max-budget", "50", "--budget-duration", "30d", "--models", MODEL]
    first = create_user(stack, *args)
    (row,) = first["results"]
    assert (row["status"], row["user"], row["key"]) == ("ok", "created", "created")
    assert row["api_key"].startswith("sk-") and row["claude_code_env"]["ANTHROPIC_AUTH_TOKEN"] == row["api_key"]
    assert chat_status(row["api_key"]) == 200, "the issued key works against the gateway"

    again = create_user(stack, *args)["results"][0]
    assert (again["user"], again["key"]) == ("reused", "reused") and not again.get("api_key")

    budget = json.loads(script(stack, "create_user.py", "budget", "--email", "ci-user@example.com", "--json").stdout)
    assert budget["max_budget_usd"] == 50 and budget["budget_duration"] == "30d"
    assert [k["key_alias"] for k in budget["keys"]] == ["ci-user@example.com-default"]
    # LiteLLM batch-writes spend (proxy_batch_write_at: 10 s): the request above shows up as the user's spend.
    deadline = time.monotonic() + 120
    while budget["spend_usd"] <= 0 and time.monotonic() < deadline:
        time.sleep(5)
        budget = json.loads(script(stack, "create_user.py", "budget", "--user-id", "ci-user@example.com",
                                   "--json").stdout)  # fmt: skip
    assert budget["spend_usd"] > 0, budget

    listing = json.loads(script(stack, "create_user.py", "list", "--json").stdout)
    assert "ci-user@example.com" in {u["user_id"] for u in listing["users"]}


def chat(key: str) -> tuple[int, dict]:
    prompt = "hello [emulator output_tokens=8]"
    body = {"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": prompt}]}
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    req = urllib.request.Request(f"{GATEWAY}/v1/chat/completions", json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def until_refused(key: str, limit: int = 400) -> tuple[int, dict]:
    """Requests until the first refusal: (answered, the refusal's body)."""
    for answered in range(limit):
        status, body = chat(key)
        if status != 200:
            assert status == 429, (status, body)
            return answered, body
    raise AssertionError(f"{limit} requests and no refusal")


def test_budgets_refuse_with_a_429_that_says_why_and_reset(stack: Stack) -> None:
    """A tiny personal budget (about four requests' worth) is refused with 429 and an understandable message; after
    budget_duration the reset job (every ~5 s here, PROXY_BUDGET_RESCHEDULER_*) sets the spend to 0 again."""
    key = create_user(stack, "--email", "budget@example.com", "--max-budget", "0.0001", "--budget-duration",
                      "20s")["results"][0]["api_key"]  # fmt: skip
    answered, refusal = until_refused(key)
    message = refusal["error"]["message"]
    assert refusal["error"]["type"] == "budget_exceeded"
    assert message.startswith("Budget exceeded: the personal budget ($0.0001 per 20s) is used up"), message
    assert "It resets at" in message
    print(f"\npersonal budget $0.0001: {answered} request(s) answered before the refusal")
    deadline = time.monotonic() + 120
    while chat(key)[0] != 200:
        assert time.monotonic() < deadline, "the budget never reset"
        time.sleep(3)


def test_a_team_budget_holds_beside_the_members_budgets(stack: Stack) -> None:
    team = script(stack, "create_user.py", "team", "--team-id", "ci-team", "--max-budget", "0.0001", "--json")
    assert team.returncode == 0, team.stderr
    keys = [create_user(stack, "--email", f"member{i}@example.com", "--team", "ci-team", "--max-budget", "10")
            ["results"][0]["api_key"] for i in range(2)]  # fmt: skip
    answered, refusal = until_refused(keys[0])
    assert "team budget of team 'ci-team'" in refusal["error"]["message"], refusal
    assert chat(keys[1])[0] == 429, "the other member is refused too: the team's budget is spent"
    print(f"\nteam budget $0.0001: {answered} request(s) answered before the refusal")


def test_cross_worker_overshoot_is_measured(stack: Stack) -> None:
    """Parallel requests from one key across the two workers: how far past its budget it gets (spend is added after
    each answer and synced through the database, so in-flight requests are not reserved). Printed for
    docs/reliability.md; asserted only to stay bounded by the parallelism."""
    from concurrent.futures import ThreadPoolExecutor

    key = create_user(stack, "--email", "overshoot@example.com", "--max-budget", "0.0002")["results"][0]["api_key"]
    with ThreadPoolExecutor(8) as pool:
        statuses = [s for s, _ in pool.map(lambda _: chat(key), range(80))]
    answered = statuses.count(200)
    deadline = time.monotonic() + 120
    budget = json.loads(script(stack, "create_user.py", "budget", "--email", "overshoot@example.com", "--json").stdout)
    while budget["spend_usd"] <= 0 and time.monotonic() < deadline:
        time.sleep(5)
        budget = json.loads(script(stack, "create_user.py", "budget", "--email", "overshoot@example.com",
                                   "--json").stdout)  # fmt: skip
    overshoot = budget["spend_usd"] - 0.0002
    spent = budget["spend_usd"]
    print(f"\novershoot: 80 requests from 8 clients on 2 workers, {answered} answered, spend ${spent:.6f} for a "
          f"$0.0002 budget ({overshoot / 0.0002:+.0%})")  # fmt: skip
    assert 429 in statuses and answered < 80


def test_disable_enable_rotate_delete(stack: Stack) -> None:
    key = create_user(stack, "--email", "rotate@example.com", "--key-alias", "rotate-laptop")["results"][0]["api_key"]
    assert chat_status(key) == 200
    alias = ["--key-alias", "rotate-laptop"]
    assert script(stack, "create_user.py", "disable-key", *alias).returncode == 0
    assert settles_to(key, {401, 403}) in (401, 403), "a disabled key is refused"
    assert script(stack, "create_user.py", "enable-key", *alias).returncode == 0
    assert settles_to(key, {200}) == 200, "an enabled key works again"

    rotated = create_user(stack, "--email", "rotate@example.com", "--key-alias", "rotate-laptop", "--rotate-key")
    new_key = rotated["results"][0]["api_key"]
    assert new_key != key and chat_status(new_key) == 200
    assert settles_to(key, {401, 403}) in (401, 403), "the old key stops working after --rotate-key"

    assert script(stack, "create_user.py", "delete-key", *alias, "--yes").returncode == 0
    assert settles_to(new_key, {401, 403}) in (401, 403), "a deleted key is refused"


def test_smoke_test_and_observability(stack: Stack, tmp_path: Path) -> None:
    reports = Path(os.environ.get("LLMGW_REPORTS_DIR") or tmp_path)
    reports.mkdir(parents=True, exist_ok=True)
    smoke = script(stack, "smoke_test.py", GATEWAY, "--victoriametrics-url", VICTORIAMETRICS,
                   "--json-report", str(reports / "smoke.json"), "--junit-xml", str(reports / "smoke.xml"))  # fmt: skip
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr

    env = {**stack.env, "GRAFANA_ADMIN_PASSWORD": stack.grafana_password}
    check = subprocess.run(
        [sys.executable, str(REPO / "tests" / "ci" / "check_compose_stack.py"), "--victoriametrics-url",
         VICTORIAMETRICS, "--vmalert-url", VMALERT, "--grafana-url", GRAFANA, "--alertmanager-url", ALERTMANAGER,
         "--timeout", "180"],
        capture_output=True, text=True, timeout=300, cwd=REPO, env=env, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


# The key broker against the real database: the broker (its Procfile process, on this host) calls the compose
# gateway's admin API with its own route-limited credential; proofs are real SigV4 requests verified by replay to
# STS in moto's server mode, as in tests/identity (which runs the same broker against the admin API's contract double).
BROKER_RULE = {
    "name": "developers",
    "aws": {"arn": [f"arn:aws:iam::{ACCOUNT}:role/Developer"]},
    "team": "platform",
    "models": [MODEL],
    "budget": {"max_usd": 5, "duration": "30d"},
    "key_ttl": "1h",
}
OTHER_RULE = {**BROKER_RULE, "name": "auditors", "aws": {"arn": [f"arn:aws:iam::{ACCOUNT}:role/Auditor"]}}


def broker_credential(stack: Stack) -> str:
    """`python -m llmgw.broker credential` with the master key, as an operator runs it once."""
    command = [sys.executable, "-m", "llmgw.broker", "credential", "--gateway-url", GATEWAY, "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO, env=stack.env, check=False)
    assert done.returncode == 0, done.stderr
    assert stack.master_key not in done.stdout + done.stderr
    return json.loads(done.stdout)["key"]


def admin_get(key: str, path: str) -> tuple[int, dict]:
    req = urllib.request.Request(f"{GATEWAY}{path}", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def broker_login(broker: BrokerProcess, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(f"{broker.url}/broker/v1/keys", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"}, method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_the_key_broker_issues_keys_the_gateway_accepts_and_revokes_them(
    stack: Stack, run_dir: Path, tmp_path: Path
) -> None:
    credential = broker_credential(stack)
    assert admin_get(credential, "/user/list")[0] in (401, 403), "the broker's credential is limited to its routes"
    with (
        run_sts(run_dir) as sts,
        serve_issuer(Issuer()) as idp,
        serve_issuer(Issuer(github_claims=github_claims("acme/app"))) as actions,
    ):
        policy = write_policy(tmp_path / "policy.yaml", policy_document(sts.url, idp.url, actions.url, [BROKER_RULE]))
        with run_broker(run_dir, policy=policy, admin_url=GATEWAY, admin_key=credential, config=CONFIG) as broker:
            alice = sts.role_session("Developer", "alice@example.com")
            status, issued = broker_login(broker, {"purpose": "laptop", "aws": sts.proof(alice)})
            assert status == 200, issued
            assert issued["team"] == "platform" and issued["rule"] == "developers"
            key = issued["key"]
            assert settles_to(key, {200}) == 200, "the issued key works on the gateway"
            status, info = admin_get(stack.master_key, f"/key/info?key={urllib.parse.quote(key)}")
            assert status == 200, info
            stored = info["info"]
            assert stored["key_alias"] == issued["key_alias"] and stored["team_id"] == "platform"
            assert MODEL in stored["models"] and "claude-opus-5-5" not in stored["models"]
            expires = dt.datetime.fromisoformat(stored["expires"].replace("Z", "+00:00"))
            expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
            assert dt.timedelta(minutes=55) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1, minutes=1)

            again = broker_login(broker, {"purpose": "laptop", "aws": sts.proof(alice)})
            assert again[0] == 200 and again[1]["key"] == key, "a re-login within the re-issue window: the same key"

            # the policy no longer admits the Developer role: the sweep deletes the key, the gateway refuses it
            write_policy(policy, policy_document(sts.url, idp.url, actions.url, [OTHER_RULE]))
            assert settles_to(key, {401, 403}) in (401, 403), "a key the policy no longer admits is revoked"
            refused = broker_login(broker, {"purpose": "laptop", "aws": sts.proof(alice)})
            assert refused[0] == 403, refused
            events = [e["event"] for e in broker.audit()]
            assert "issued" in events and "revoked" in events and "refused" in events, events
