"""create_user.py against LiteLLM's admin API: the contract double (LiteLLM's own routers and models, strict about
unknown fields) for the database-backed routes, and the real keyless proxy for what it answers without a database."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from llmgw.admin.client import NO_DB_MESSAGE
from scripts.admin_double import NO_DB_ANSWERS, NO_DB_WRONG_KEY, AdminDouble
from scripts.conftest import Result, clean_env, run_script
from support.stack import Gateway, free_port

Cli = Callable[..., Result]
ALICE = ["--email", "alice@example.com", "--alias", "Alice", "--key-alias", "alice-laptop"]
SUBCOMMANDS = ("create", "list", "budget", "disable-key", "enable-key", "delete-key")
HELP_HINT = "(see create_user.py create --help)"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def env_block(stdout: str) -> dict[str, str]:
    """The `export NAME=value` lines of the Claude Code block."""
    return dict(re.findall(r"^export (\w+)=(\S+)$", stdout, flags=re.MULTILINE))


def issued_key(result: Result) -> str:
    assert result.returncode == 0, result.output
    return env_block(result.stdout)["ANTHROPIC_AUTH_TOKEN"]


def call(url: str, key: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One raw request: (status, decoded JSON body)."""
    req = urllib.request.Request(
        url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# --- help and usage ------------------------------------------------------------------------------------------------


def test_help_lists_every_subcommand_and_the_key_flags() -> None:
    top = run_script("create_user.py", "--help")
    assert top.returncode == 0, top.output
    for command in SUBCOMMANDS:
        assert re.search(rf"^\s+{command}\b", top.stdout, re.MULTILINE), command
    assert "docs/users.md" in top.stdout
    create = run_script("create_user.py", "create", "--help")
    flags = "--email --user-id --alias --role --file --team --max-budget --budget-duration --models --rpm --tpm "
    flags += "--key-alias --key-expires --rotate-key --no-key --dry-run --json --gateway-url --tf-outputs "
    flags += "--master-key-secret-arn --timeout"
    for flag in flags.split():
        assert flag in create.stdout, flag
    for command in ("disable-key", "enable-key", "delete-key"):
        text = run_script("create_user.py", command, "--help").stdout
        assert "--key-alias" in text and "--key KEY" in text and "--dry-run" in text
    assert "--yes" in run_script("create_user.py", "delete-key", "--help").stdout
    budget = run_script("create_user.py", "budget", "--help").stdout
    assert "--email" in budget and "--user-id" in budget and "--json" in budget


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: a user needs an email (--email) or a user id (--user-id)"),
        (["--email", "nope"], "error: not an email address: 'nope'"),
        (["--email", "a@example.com", "--max-budget", "5", "--budget-duration", "monthly"],
         "error: budget duration must look like 30d, 12h, 2w or 1mo: 'monthly'"),
        (["--email", "a@example.com", "--key-expires", "forever"],
         "error: key expires must look like 30d, 12h, 2w or 1mo: 'forever'"),
        (["--email", "a@example.com", "--max-budget", "-5"],
         f"error: argument --max-budget: must be >= 0: '-5' {HELP_HINT}"),
        (["--email", "a@example.com", "--max-budget", "nan"],
         f"error: argument --max-budget: must be a finite number: 'nan' {HELP_HINT}"),
        (["--email", "a@example.com", "--rpm", "0"], f"error: argument --rpm: must be > 0: '0' {HELP_HINT}"),
        (["--email", "a@example.com", "--tpm", "1.5"], f"error: argument --tpm: not an integer: '1.5' {HELP_HINT}"),
        (["--email", "a@example.com", "--role", "god"],
         "error: argument --role: invalid choice: 'god' (choose from 'internal_user', 'internal_user_viewer', "
         f"'proxy_admin', 'proxy_admin_viewer') {HELP_HINT}"),
        (["--file", "users.csv", "--email", "a@example.com"],
         "error: --file takes the users from the file: --email, --user-id, --alias and --key-alias belong in its rows"),
        (["--email", "a@example.com", "--budget-duration", "30d"],
         "error: a budget duration needs a max budget (--max-budget)"),
        (["--email", "a@example.com", "--key-alias", "has space"],
         "error: key alias may use letters, digits and @._+- only: 'has space'"),
        (["--email", "a@example.com", "--timeout", "0"],
         f"error: argument --timeout: must be > 0: '0' {HELP_HINT}"),
        (["delete-key", "--key-alias", "alice-laptop"],
         "error: delete-key deletes the key for good: add --yes (or use disable-key, which can be undone)"),
        (["disable-key"],
         "error: one of the arguments --key-alias --key is required (see create_user.py disable-key --help)"),
        (["enable-key", "--key", "not-a-key"], "error: --key takes the key itself (sk-...) or its 64-hex hash (token)"),
        (["budget"], "error: one of the arguments --email --user-id is required (see create_user.py budget --help)"),
        (["--json", "list"],
         "error: the command goes first: create_user.py list [options] (see create_user.py --help)"),
        (["--email", "a@example.com", "--frobnicate"],
         "error: unrecognized arguments: --frobnicate (see create_user.py --help)"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2_before_any_request(cli: Cli, double: AdminDouble, args: list[str], message: str) -> None:
    result = cli(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")
    assert double.requests == []


def test_missing_gateway_url_and_master_key() -> None:
    args = ("create_user.py", "--email", "a@example.com")
    no_url = run_script(*args, env=clean_env(LITELLM_MASTER_KEY="sk-anything"))
    assert (no_url.returncode, no_url.stderr) == (
        2, "error: no gateway URL: pass --gateway-url, set LITELLM_GATEWAY_URL or pass --tf-outputs FILE\n"
    )  # fmt: skip
    no_key = run_script(*args, "--gateway-url", "http://127.0.0.1:9")
    assert (no_key.returncode, no_key.stderr) == (
        2, "error: no master key: set LITELLM_MASTER_KEY or pass --master-key-secret-arn ARN (or --tf-outputs)\n"
    )  # fmt: skip
    bad_url = run_script(*args, "--gateway-url", "gateway.example.com", env=clean_env(LITELLM_MASTER_KEY="sk-x"))
    assert (bad_url.returncode, bad_url.stderr) == (
        2, "error: gateway URL must start with http:// or https://: 'gateway.example.com'\n"
    )  # fmt: skip


# --- create --------------------------------------------------------------------------------------------------------


def test_creates_user_budget_limits_and_key(cli: Cli, double: AdminDouble) -> None:
    limits = "--max-budget 50 --budget-duration 30d --models claude-sonnet-4-5,claude-haiku-4-5 --rpm 60 --tpm 100000"
    result = cli(*ALICE, *limits.split(), "--key-expires", "90d")
    assert result.returncode == 0, result.output
    assert result.stderr == ""
    user = double.users["alice@example.com"]
    assert (user["user_email"], user["user_alias"]) == ("alice@example.com", "Alice")
    assert user["user_role"] == "internal_user"
    assert (user["max_budget"], user["budget_duration"]) == (50.0, "30d")
    assert user["budget_reset_at"] is not None
    assert (user["rpm_limit"], user["tpm_limit"]) == (60, 100000)
    assert user["models"] == ["claude-sonnet-4-5", "claude-haiku-4-5"]
    assert user["metadata"] == {"created_by": "create_user.py"}
    key = double.key_by_alias("alice-laptop")
    assert key is not None and len(double.keys) == 1
    assert (key["user_id"], key["models"], key["rpm_limit"], key["tpm_limit"]) == (
        "alice@example.com", ["claude-sonnet-4-5", "claude-haiku-4-5"], 60, 100000
    )  # fmt: skip
    assert key["expires"] is not None and key["expires"][:10] in result.stdout

    lines = result.stdout.splitlines()
    assert lines[0] == "user alice@example.com: created"
    assert lines[1].startswith("key alice-laptop: created, expires ")
    env = env_block(result.stdout)
    api_key = env["ANTHROPIC_AUTH_TOKEN"]
    assert sha256(api_key) == key["token"], "the printed key is the one the gateway stored"
    assert double.authenticates(api_key)
    # The key may call only Sonnet and Haiku 4.5: Claude Code is pointed at them instead of its own defaults.
    assert env == {
        "ANTHROPIC_BASE_URL": double.url,
        "ANTHROPIC_AUTH_TOKEN": api_key,
        "ANTHROPIC_MODEL": "claude-sonnet-4-5",
        "ANTHROPIC_SMALL_FAST_MODEL": "claude-haiku-4-5",
        "ANTHROPIC_DEFAULT_OPUS_MODEL": "claude-sonnet-4-5",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "claude-sonnet-4-5",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "claude-haiku-4-5",
    }
    assert "The key is shown only this once. Give the developer these lines:" in result.stdout
    assert f'client = OpenAI(base_url="{double.url}/v1", api_key="{api_key}")' in result.stdout
    assert 'model="claude-sonnet-4-5"' in result.stdout


def test_rerun_is_idempotent(cli: Cli, double: AdminDouble) -> None:
    args = [*ALICE, "--max-budget", "50", "--budget-duration", "30d", "--team", "platform", "--rpm", "60"]
    first = cli(*args)
    assert first.returncode == 0, first.output
    token = double.key_by_alias("alice-laptop")["token"]
    writes = len(double.writes())
    again = cli(*args)
    assert again.returncode == 0, again.output
    assert len(double.writes()) == writes, [(r.path, r.body) for r in double.writes()[writes:]]
    assert again.stdout == (
        "user alice@example.com: reused, already in team platform\n"
        "key alice-laptop: reused\n"
        "(the key's value was shown when it was created; --rotate-key issues a new one)\n"
    )
    assert double.key_by_alias("alice-laptop")["token"] == token
    assert (len(double.users), len(double.keys)) == (1, 1)


def test_changed_budget_sends_one_update_with_only_the_change(cli: Cli, double: AdminDouble) -> None:
    assert cli(*ALICE, "--max-budget", "50", "--budget-duration", "30d").returncode == 0
    before = len(double.writes())
    result = cli(*ALICE, "--max-budget", "80", "--budget-duration", "30d")
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines()[0] == "user alice@example.com: updated"
    assert [(r.path, r.body) for r in double.writes()[before:]] == [
        ("/user/update", {"user_id": "alice@example.com", "max_budget": 80.0})
    ]
    assert double.users["alice@example.com"]["max_budget"] == 80.0


def test_rotate_key(cli: Cli, double: AdminDouble) -> None:
    old = issued_key(cli(*ALICE, "--team", "platform", "--models", "claude-haiku-4-5", "--rpm", "10"))
    rotated = cli(*ALICE, "--rotate-key")
    new = issued_key(rotated)
    assert new != old
    assert rotated.stdout.splitlines()[1] == "key alice-laptop: rotated"
    assert double.authenticates(new) and not double.authenticates(old)
    assert sha256(old) not in double.keys and len(double.keys) == 1
    key = double.key_by_alias("alice-laptop")
    assert key["token"] == sha256(new)
    assert (key["team_id"], key["models"], key["rpm_limit"]) == ("platform", ["claude-haiku-4-5"], 10), (
        "the new key keeps the old key's team, models and limits"
    )


def test_rotation_failure_gives_the_old_key_its_alias_back(cli: Cli, double: AdminDouble) -> None:
    old = issued_key(cli(*ALICE))
    double.inject("POST", "/key/generate", 500, {"error": {"message": "boom", "type": "internal_server_error",
                                                           "param": None, "code": "500"}})  # fmt: skip
    result = cli(*ALICE, "--rotate-key")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: gateway error (500 on /key/generate): boom; no new key was issued, the old key alice-laptop "
        "still works\n"
    )
    key = double.key_by_alias("alice-laptop")
    assert key is not None and key["token"] == sha256(old) and double.authenticates(old)
    assert len(double.keys) == 1
    updates = [r.body["key_alias"] for r in double.writes() if r.path == "/key/update"]
    assert len(updates) == 2 and updates[0].startswith("alice-laptop.rotated-") and updates[1] == "alice-laptop"


def test_existing_user_found_by_email_under_another_id(cli: Cli, double: AdminDouble) -> None:
    double.users["0b9c-uuid"] = {"user_id": "0b9c-uuid", "user_email": "Bob@Example.com", "user_role": "internal_user",
                                 "spend": 1.5, "teams": [], "models": []}  # fmt: skip
    result = cli("--email", "bob@example.com", "--key-alias", "bob-ci")
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines()[:2] == ["user 0b9c-uuid: reused", "key bob-ci: created"]
    assert double.key_by_alias("bob-ci")["user_id"] == "0b9c-uuid"
    assert set(double.users) == {"0b9c-uuid"}
    budget = cli("budget", "--email", "bob@example.com")
    assert budget.stdout.splitlines()[0] == "user 0b9c-uuid: spent $1.5000, no budget"


def test_user_id_of_another_email_is_refused(cli: Cli, double: AdminDouble) -> None:
    assert cli("--email", "carol@example.com", "--no-key").returncode == 0
    result = cli("--email", "dave@example.com", "--user-id", "carol@example.com")
    assert (result.returncode, result.stderr) == (
        1, "error: user id 'carol@example.com' already belongs to 'carol@example.com', not 'dave@example.com': "
           "pass --user-id\n"
    )  # fmt: skip


def test_team_membership(cli: Cli, double: AdminDouble) -> None:
    result = cli(*ALICE, "--team", "platform")
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines()[0] == "user alice@example.com: created, added to team platform"
    assert double.users["alice@example.com"]["teams"] == ["platform"]
    assert double.teams["platform"]["members"] == ["alice@example.com"]
    assert double.key_by_alias("alice-laptop")["team_id"] == "platform"
    again = cli(*ALICE, "--team", "platform")
    assert again.stdout.splitlines()[0] == "user alice@example.com: reused, already in team platform"
    assert [r.path for r in double.writes()].count("/team/member_add") == 1


def test_unknown_team_fails(cli: Cli, double: AdminDouble) -> None:
    result = cli(*ALICE, "--team", "nope")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: team 'nope' does not exist on this gateway: create it first (admin UI, or POST /team/new with "
        "team_id 'nope'); nothing was changed\n"
    )
    assert double.writes() == [] and double.users == {} and double.keys == {}, "nothing half-written"


def test_key_alias_of_another_user_is_refused(cli: Cli, double: AdminDouble) -> None:
    assert cli(*ALICE).returncode == 0
    result = cli("--email", "eve@example.com", "--key-alias", "alice-laptop")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: key alias 'alice-laptop' belongs to user 'alice@example.com'; choose another --key-alias\n"
    )
    assert len(double.keys) == 1


def test_dry_run_writes_nothing(cli: Cli, double: AdminDouble) -> None:
    result = cli(*ALICE, "--max-budget", "50", "--team", "platform", "--dry-run")
    assert result.returncode == 0, result.output
    assert double.writes() == [] and double.users == {} and double.keys == {}
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "user alice@example.com: created, added to team platform",
        "key alice-laptop: created",
        "dry run, nothing changed; requests that would be sent:",
    ]
    planned = [line.split(" ", 4)[2:] for line in lines[3:]]
    assert [(method, url) for method, url, _ in planned] == [
        ("POST", f"{double.url}/user/new"), ("POST", f"{double.url}/team/member_add"),
        ("POST", f"{double.url}/key/generate"),
    ]  # fmt: skip
    assert json.loads(planned[0][2])["max_budget"] == 50.0
    assert "Authorization" not in result.stdout and "ANTHROPIC_AUTH_TOKEN" not in result.stdout

    doc = json.loads(cli(*ALICE, "--dry-run", "--json").stdout)
    assert doc["dry_run"] is True and doc["results"][0]["api_key"] is None
    assert [p["url"] for p in doc["results"][0]["planned"]] == [f"{double.url}/user/new", f"{double.url}/key/generate"]
    assert double.writes() == []

    assert cli(*ALICE).returncode == 0
    unchanged = cli(*ALICE, "--dry-run")
    assert unchanged.stdout.splitlines()[-1] == "dry run: nothing to change"


def test_json_output(cli: Cli, double: AdminDouble) -> None:
    result = cli(*ALICE, "--team", "platform", "--json")
    assert result.returncode == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"gateway_url", "dry_run", "results", "summary"}
    assert (doc["gateway_url"], doc["dry_run"]) == (double.url, False)
    assert doc["summary"] == {"total": 1, "ok": 1, "failed": 0, "users_created": 1, "users_updated": 0,
                              "users_reused": 0, "keys_created": 1, "keys_rotated": 0}  # fmt: skip
    (one,) = doc["results"]
    assert {k: one[k] for k in ("status", "user_id", "user", "team", "team_id", "key_alias", "key")} == {
        "status": "ok", "user_id": "alice@example.com", "user": "created", "team": "added", "team_id": "platform",
        "key_alias": "alice-laptop", "key": "created",
    }  # fmt: skip
    assert sha256(one["api_key"]) == double.key_by_alias("alice-laptop")["token"]
    assert one["claude_code_env"]["ANTHROPIC_AUTH_TOKEN"] == one["api_key"]
    assert one["claude_code_env"]["ANTHROPIC_BASE_URL"] == double.url
    assert f'api_key="{one["api_key"]}"' in one["openai_snippet"]
    assert (one["warnings"], one["errors"]) == ([], [])


# --- bulk ----------------------------------------------------------------------------------------------------------


def test_bulk_csv_with_a_bad_row(cli: Cli, double: AdminDouble, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text(
        "email,alias,max_budget,budget_duration,models,key_alias\n"
        "# comment lines are skipped\n"
        "carol@example.com,Carol,20,30d,claude-haiku-4-5;claude-sonnet-4-5,carol-laptop\n"
        "not-an-email,Broken,10,30d,,\n"
        "dave@example.com,Dave,,,,\n"
    )
    result = cli("--file", str(users), "--team", "platform")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "3 users: 2 ok (2 created, 0 updated, 0 unchanged), 1 failed"
    assert "user not-an-email: FAILED: row 2: not an email address: 'not-an-email'" in result.stdout
    assert result.stderr == "error: 1 of 3 users failed: not-an-email\n"
    carol = double.users["carol@example.com"]
    assert (carol["user_alias"], carol["max_budget"], carol["models"]) == (
        "Carol", 20.0, ["claude-haiku-4-5", "claude-sonnet-4-5"]
    )  # fmt: skip
    assert double.users["dave@example.com"]["max_budget"] is None
    assert set(double.teams["platform"]["members"]) == {"carol@example.com", "dave@example.com"}
    keys = re.findall(r"^export ANTHROPIC_AUTH_TOKEN=(\S+)$", result.stdout, flags=re.MULTILINE)
    assert sorted(map(sha256, keys)) == sorted(double.keys), "one Claude Code block per new key, each the real key"
    assert double.key_by_alias("carol-laptop") and double.key_by_alias("dave@example.com-default")

    again = cli("--file", str(users), "--team", "platform")
    assert again.stdout.splitlines()[-1] == "3 users: 2 ok (0 created, 0 updated, 2 unchanged), 1 failed"
    assert "ANTHROPIC_AUTH_TOKEN" not in again.stdout


def test_bulk_yaml_rows_override_the_defaults(cli: Cli, double: AdminDouble, tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    users.write_text(
        "users:\n"
        "  - {email: erin@example.com, max_budget: 5, budget_duration: 1mo, models: [claude-haiku-4-5]}\n"
        "  - {email: frank@example.com, team_id: platform, rpm: 30, key_expires: 30d}\n"
    )
    result = cli("--file", str(users), "--max-budget", "100", "--json")
    assert result.returncode == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["summary"]["ok"] == 2 and doc["summary"]["failed"] == 0
    erin, frank = double.users["erin@example.com"], double.users["frank@example.com"]
    assert (erin["max_budget"], erin["budget_duration"], erin["models"]) == (5.0, "1mo", ["claude-haiku-4-5"])
    assert (frank["max_budget"], frank["rpm_limit"], frank["teams"]) == (100.0, 30, ["platform"])
    assert double.key_by_alias("frank@example.com-default")["expires"] is not None
    assert {r["user_id"]: sha256(r["api_key"]) for r in doc["results"]} == {
        "erin@example.com": double.key_by_alias("erin@example.com-default")["token"],
        "frank@example.com": double.key_by_alias("frank@example.com-default")["token"],
    }


def test_bulk_unknown_column_fails_the_row(cli: Cli, double: AdminDouble, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("email,budget\ngina@example.com,5\n")
    result = cli("--file", str(users))
    assert result.returncode == 1
    assert result.stdout == (
        "user gina@example.com: FAILED: row 1: unknown column(s) budget (known: email, alias, role, user_id, team_id, "
        "max_budget, budget_duration, models, rpm, tpm, model_rpm, model_tpm, key_alias, key_expires)\n"
        "1 user: 0 ok (0 created, 0 updated, 0 unchanged), 1 failed\n"
    )
    assert result.stderr == "error: 1 of 1 users failed: gina@example.com\n"
    assert double.writes() == []


def test_bulk_file_errors(cli: Cli, double: AdminDouble, tmp_path: Path) -> None:
    missing = cli("--file", str(tmp_path / "none.csv"))
    assert (missing.returncode, missing.stderr) == (
        2, f"error: cannot read {tmp_path / 'none.csv'}: No such file or directory\n"
    )  # fmt: skip
    text = tmp_path / "users.txt"
    text.write_text("a@example.com\n")
    wrong = cli("--file", str(text))
    assert (wrong.returncode, wrong.stderr) == (2, f"error: {text}: bulk files are .csv, .yaml or .yml\n")
    assert double.requests == []


# --- gateway failures ----------------------------------------------------------------------------------------------


def test_wrong_master_key_is_401(cli: Cli, double: AdminDouble) -> None:
    wrong = "sk-" + "w" * 40
    result = cli(*ALICE, LITELLM_MASTER_KEY=wrong)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: the gateway refused the master key (401 on /user/info): check LITELLM_MASTER_KEY or "
        "--master-key-secret-arn\n"
    )
    assert wrong not in result.output


def test_non_admin_key_is_403(cli: Cli, double: AdminDouble) -> None:
    user_key = "sk-" + "u" * 40
    double.user_keys.add(user_key)
    result = cli(*ALICE, LITELLM_MASTER_KEY=user_key)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: forbidden (403 on /user/info): Authentication Error, user not allowed to access this route, "
        "role= internal_user. Trying to access: an admin route; the admin routes are blocked on the public URL "
        "except from admin_allowed_cidrs (docs/deployment.md), and only an admin key may use them\n"
    )
    assert user_key not in result.output


def test_waf_block_page_is_403(cli: Cli, double: AdminDouble) -> None:
    double.mode = "waf"
    result = cli(*ALICE)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: forbidden (403 on /user/info): an HTML page (the request was answered before LiteLLM, e.g. by "
        "CloudFront/WAF); the admin routes are blocked on the public URL except from admin_allowed_cidrs "
        "(docs/deployment.md), and only an admin key may use them\n"
    )


def test_400_shows_litellms_message(cli: Cli, double: AdminDouble) -> None:
    """A duration our check lets through but LiteLLM refuses: LiteLLM's own words reach the operator."""
    result = cli(*ALICE, "--max-budget", "5", "--budget-duration", "99999999999999999999d")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: the gateway rejected /user/new (400): Invalid budget_duration '99999999999999999999d'. "
        "Use a format like '1h', '24h', '7d', or '30d'.\n"
    )
    assert double.users == {}
    message = str({"error": "user_email is not a valid email"})  # LiteLLM's HTTPException detail as a string
    double.inject("POST", "/user/new", 400, {"error": {"message": message, "type": "bad_request_error"}})
    injected = cli(*ALICE)
    assert injected.stderr == "error: the gateway rejected /user/new (400): user_email is not a valid email\n"


def test_gateway_without_database(cli: Cli, double: AdminDouble) -> None:
    double.mode = "no_db"
    for args in (ALICE, ["list"], ["budget", "--email", "alice@example.com"], ["disable-key", "--key-alias", "x"],
                 ["delete-key", "--key-alias", "x", "--yes"]):  # fmt: skip
        result = cli(*args)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", f"error: {NO_DB_MESSAGE}\n"), args


def test_timeout(cli: Cli, double: AdminDouble) -> None:
    double.mode, double.slow_seconds = "slow", 3.0
    result = cli(*ALICE, "--timeout", "0.5")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", f"error: the gateway at {double.url} did not answer within 0.5s (--timeout)\n"
    )  # fmt: skip


def test_connection_refused(cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = cli(*ALICE, "--gateway-url", url)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", f"error: cannot connect to the gateway at {url}: connection refused (is it running?)\n"
    )  # fmt: skip


def test_unresolvable_host(cli: Cli) -> None:
    url = "http://no-such-gateway.invalid"
    result = cli(*ALICE, "--gateway-url", url)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", f"error: cannot resolve the gateway host of {url}\n"
    )  # fmt: skip


# --- list, budget, keys --------------------------------------------------------------------------------------------


def test_list_sorted_by_spend(cli: Cli, double: AdminDouble) -> None:
    assert cli(*ALICE, "--max-budget", "50", "--budget-duration", "30d", "--team", "platform").returncode == 0
    assert cli("--email", "bob@example.com", "--no-key").returncode == 0
    double.users["alice@example.com"]["spend"] = 12.5
    double.users["bob@example.com"]["spend"] = 20.0

    text = cli("list")
    assert text.returncode == 0, text.output
    assert text.stdout.splitlines() == [
        "USER               EMAIL              ROLE           TEAMS     SPEND $  BUDGET $  RESET  USED  KEYS",
        "bob@example.com    bob@example.com    internal_user  -         20       -         -      -     0",
        "alice@example.com  alice@example.com  internal_user  platform  12.5     50        30d    0.25  1",
        "2 users, total spend $32.5000",
    ]
    doc = json.loads(cli("list", "--json").stdout)
    assert doc["total_spend_usd"] == 32.5
    assert [u["user_id"] for u in doc["users"]] == ["bob@example.com", "alice@example.com"]
    assert doc["users"][1] == {
        "user_id": "alice@example.com", "email": "alice@example.com", "alias": "Alice", "role": "internal_user",
        "teams": ["platform"], "spend_usd": 12.5, "max_budget_usd": 50.0, "budget_duration": "30d",
        "budget_used": 0.25, "keys": 1,
    }  # fmt: skip
    only = cli("list", "--team", "platform")
    assert only.stdout.splitlines()[-1] == "1 user, total spend $12.5000"
    by_email = json.loads(cli("list", "--email", "bob", "--json").stdout)
    assert [u["user_id"] for u in by_email["users"]] == ["bob@example.com"]


def test_budget(cli: Cli, double: AdminDouble) -> None:
    assert cli(*ALICE, "--max-budget", "50", "--budget-duration", "30d").returncode == 0
    double.users["alice@example.com"]["spend"] = 12.5
    reset_at = double.users["alice@example.com"]["budget_reset_at"]

    text = cli("budget", "--email", "Alice@Example.com")
    assert text.returncode == 0, text.output
    assert text.stdout.splitlines() == [
        f"user alice@example.com: spent $12.5000 of $50.00, resets every 30d (next {reset_at})",
        "$37.5000 left",
        "KEY           SPEND $  BUDGET $  EXPIRES  DISABLED",
        "alice-laptop  0        -         -        no",
    ]
    doc = json.loads(cli("budget", "--user-id", "alice@example.com", "--json").stdout)
    assert (doc["spend_usd"], doc["max_budget_usd"], doc["remaining_usd"]) == (12.5, 50.0, 37.5)
    assert doc["over_budget"] is False
    assert (doc["budget_duration"], doc["budget_reset_at"], doc["budget_used"]) == ("30d", reset_at, 0.25)
    assert [k["key_alias"] for k in doc["keys"]] == ["alice-laptop"]

    double.users["alice@example.com"]["spend"] = 50.0
    over = cli("budget", "--email", "alice@example.com")
    assert over.stdout.splitlines()[1] == "OVER BUDGET: requests are refused"
    assert json.loads(cli("budget", "--email", "alice@example.com", "--json").stdout)["over_budget"] is True

    assert cli("--email", "bob@example.com", "--no-key").returncode == 0
    no_budget = cli("budget", "--email", "bob@example.com")
    assert no_budget.stdout == "user bob@example.com: spent $0.0000, no budget\nno keys\n"


def test_disable_enable_delete_by_alias(cli: Cli, double: AdminDouble) -> None:
    api_key = issued_key(cli(*ALICE))
    disabled = cli("disable-key", "--key-alias", "alice-laptop")
    assert (disabled.returncode, disabled.stdout) == (0, "key alice-laptop (user alice@example.com): disabled\n")
    assert double.key_by_alias("alice-laptop")["blocked"] is True and not double.authenticates(api_key)

    warned = cli(*ALICE)
    assert "warning: key alice-laptop is disabled (blocked): enable-key, or --rotate-key for a new key" in warned.stdout

    enabled = cli("enable-key", "--key-alias", "alice-laptop")
    assert (enabled.returncode, enabled.stdout) == (0, "key alice-laptop (user alice@example.com): enabled\n")
    assert double.authenticates(api_key)

    planned = cli("delete-key", "--key-alias", "alice-laptop", "--dry-run")
    token = sha256(api_key)
    assert planned.stdout == (
        f"dry run: key alice-laptop would be deleted:\n  POST {double.url}/key/delete {json.dumps({'keys': [token]})}\n"
    )
    assert double.authenticates(api_key)

    deleted = cli("delete-key", "--key-alias", "alice-laptop", "--yes")
    assert (deleted.returncode, deleted.stdout) == (0, "key alice-laptop (user alice@example.com): deleted\n")
    assert double.keys == {} and not double.authenticates(api_key)


def test_key_commands_by_raw_key_and_hash(cli: Cli, double: AdminDouble) -> None:
    api_key = issued_key(cli(*ALICE))
    token = sha256(api_key)
    doc = json.loads(cli("disable-key", "--key", api_key, "--json").stdout)
    assert doc == {"action": "disabled", "dry_run": False, "key": {
        "key_alias": "alice-laptop", "token": token, "user_id": "alice@example.com", "blocked": True, "expires": None,
        "spend_usd": 0.0}}  # fmt: skip
    assert not double.authenticates(api_key)
    assert cli("enable-key", "--key", token).returncode == 0 and double.authenticates(api_key)
    deleted = json.loads(cli("delete-key", "--key", token, "--yes", "--json").stdout)
    assert (deleted["action"], deleted["key"]["deleted"]) == ("deleted", True)
    assert double.keys == {}
    assert api_key not in "".join(str(r.query) + str(r.body) for r in double.requests), "only the hash is sent"


def test_not_found_errors(cli: Cli, double: AdminDouble) -> None:
    for command in ("disable-key", "enable-key", "delete-key"):
        by_alias = cli(command, "--key-alias", "ghost", "--yes" if command == "delete-key" else "--json")
        assert (by_alias.returncode, by_alias.stdout, by_alias.stderr) == (
            1, "", "error: no key with alias 'ghost' on this gateway\n"
        )  # fmt: skip
        by_key = cli(command, "--key", "sk-ghost", *(["--yes"] if command == "delete-key" else []))
        assert (by_key.returncode, by_key.stderr) == (1, "error: no such key on this gateway\n")
    budget = cli("budget", "--email", "ghost@example.com")
    assert (budget.returncode, budget.stderr) == (1, "error: no user with email 'ghost@example.com' on this gateway\n")
    by_id = cli("budget", "--user-id", "ghost")
    assert (by_id.returncode, by_id.stderr) == (1, "error: no user 'ghost' on this gateway\n")
    assert double.writes() == []


# --- the double itself, and the real keyless gateway ---------------------------------------------------------------


def test_double_rejects_an_unknown_body_field(double: AdminDouble) -> None:
    """The double is strict where LiteLLM is lenient: a misspelt field would silently do nothing on a real proxy."""
    status, body = call(double.url, double.master_key, "POST", "/user/new", {"user_id": "x", "max_budjet": 5})
    assert status == 422
    assert [d["loc"] for d in body["detail"]] == [["body", "max_budjet"]]
    assert double.violations == ["/user/new: fields LiteLLM does not know: ['max_budjet']"]
    assert double.users == {}
    double.violations.clear()


# A valid request per route (as create_user.py sends them), so that the database check is what answers.
NO_DB_REQUESTS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "/user/new": ("POST", "/user/new", {"user_id": "probe@example.com", "user_email": "probe@example.com"}),
    "/user/info": ("GET", "/user/info?user_id=probe%40example.com", None),
    "/user/list": ("GET", "/user/list?page=1&page_size=100", None),
    "/user/update": ("POST", "/user/update", {"user_id": "probe@example.com", "max_budget": 5.0}),
    "/key/list": ("GET", "/key/list?key_alias=probe&return_full_object=true&size=100", None),
    "/key/generate": ("POST", "/key/generate", {"user_id": "probe@example.com", "key_alias": "probe"}),
    "/key/update": ("POST", "/key/update", {"key": "0" * 64, "key_alias": "probe2"}),
    "/key/delete": ("POST", "/key/delete", {"keys": ["0" * 64]}),
    "/key/block": ("POST", "/key/block", {"key": "0" * 64}),
    "/key/unblock": ("POST", "/key/unblock", {"key": "0" * 64}),
    "/team/info": ("GET", "/team/info?team_id=platform", None),
    "/team/member_add": ("POST", "/team/member_add", {"team_id": "platform",
                                                       "member": {"role": "user", "user_id": "probe@example.com"}}),
}  # fmt: skip


def test_no_db_bodies_match_the_real_gateway(gateway: Gateway, double: AdminDouble) -> None:
    """The real proxy of the session runs without DATABASE_URL (like `make up`): what it answers on every admin route
    the double imitates in mode "no_db" must be exactly what NO_DB_ANSWERS holds; and create_user.py says so in one
    line."""
    assert "DATABASE_URL" not in gateway.process.env, "the session gateway must be the keyless one"
    assert set(NO_DB_REQUESTS) == set(NO_DB_ANSWERS)
    double.mode = "no_db"
    for route, (method, path, body) in NO_DB_REQUESTS.items():
        real = call(gateway.url, gateway.master_key, method, path, body)
        assert real == NO_DB_ANSWERS[route], route
        assert call(double.url, double.master_key, method, path, body) == real, route
        assert call(gateway.url, "sk-not-the-master-key", method, path, body) == NO_DB_WRONG_KEY, route
        assert call(double.url, "sk-not-the-master-key", method, path, body) == NO_DB_WRONG_KEY, route

    env = clean_env(LITELLM_GATEWAY_URL=gateway.url, LITELLM_MASTER_KEY=gateway.master_key)
    for args in (["--email", "alice@example.com", "--max-budget", "5"], ["list"], ["budget", "--user-id", "alice"],
                 ["disable-key", "--key-alias", "alice-laptop"]):  # fmt: skip
        result = run_script("create_user.py", *args, env=env)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", f"error: {NO_DB_MESSAGE}\n"), args
        assert gateway.master_key not in result.output


def test_an_unrestricted_key_gets_claude_codes_own_defaults() -> None:
    from llmgw.admin.snippets import claude_code_env

    assert claude_code_env("https://gw", "sk-x") == {"ANTHROPIC_BASE_URL": "https://gw", "ANTHROPIC_AUTH_TOKEN": "sk-x"}
    limited = claude_code_env("https://gw", "sk-x", ["claude-haiku-5-5", "claude-opus-5-5"])
    assert (limited["ANTHROPIC_MODEL"], limited["ANTHROPIC_SMALL_FAST_MODEL"]) == (
        "claude-opus-5-5",
        "claude-haiku-5-5",
    )
