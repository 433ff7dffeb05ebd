"""The gateway's database access without the master password (issue 14: RDS rotated the master password the tasks
used, and pooled connections reconnected with the stale one).

* The LiteLLM container's database environment, exactly as the task definition sets it, makes the installed
  LiteLLM build its DATABASE_URL for the dedicated user with a minted RDS IAM token (no password anywhere), and
  the task role may rds-db:connect as exactly that user.
* The db-user init container's script (modules/litellm-service/db_user.py) runs against a real PostgreSQL server:
  it creates the user idempotently, in the IAM role, with DML on every table and sequence, CREATE in the schema,
  and the same on tables later migrations create; the user cannot drop the master user's tables.

Failed before: the LiteLLM container got DATABASE_USERNAME/DATABASE_PASSWORD, the rotated master credentials."""

from __future__ import annotations

import contextlib
import os
import re
import runpy
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from .tflib import MODULES, TfDir, unquote

MODULE = MODULES / "litellm-service"
SCRIPT = MODULE / "db_user.py"


def module_locals() -> dict:
    return {k: v for doc in TfDir.load(MODULE).docs.values() for b in doc.get("locals", []) for k, v in b.items()}


def test_the_gateway_container_has_no_database_password() -> None:
    loc = module_locals()
    assert "DATABASE_PASSWORD" not in str(loc["secrets"]) and "DATABASE_USERNAME" not in str(loc["secrets"])
    assert "DATABASE_PASSWORD" not in str(loc["app_database_env"])
    assert loc["litellm_container"]["secrets"] == "${local.secrets_list}"
    assert loc["litellm_container"]["environment"] == "${local.env_list}"
    # Only the migrations and the user bootstrap see the master secret.
    assert loc["migrate_container"]["secrets"] == "${local.master_secrets_list}"
    assert "master_database_secrets" in str(loc["db_user_container"]["secrets"])
    depends = str(loc["litellm_container"]["dependsOn"])
    assert '"db-user"' in depends and "SUCCESS" in depends


def test_litellm_builds_an_iam_token_url_from_the_task_environment() -> None:
    from litellm.proxy.db.db_url_settings import DatabaseURLSettings

    env = {k: unquote(v) for k, v in module_locals()["app_database_env"].items()}
    assert env["IAM_TOKEN_DB_AUTH"] == "True" and env["DATABASE_SSLMODE"] == "require"
    assert env["DATABASE_USER"] == "${var.database.app_user}"
    assert re.search(
        r'app_user = optional\(string, "litellm_app"\)', TfDir.load(MODULE).variables["database"].body["type"]
    )
    values = {
        **env,
        "DATABASE_HOST": "llmgw-dev-db.abc123.us-east-1.rds.amazonaws.com",
        "DATABASE_PORT": "5432",
        "DATABASE_NAME": "litellm",
        "DATABASE_USER": "litellm_app",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "AWS_", "IAM_TOKEN"))}
    with mock.patch.dict(os.environ, {**clean, **values}, clear=True):
        assert DatabaseURLSettings.from_env().apply_writer_url_to_env()
        url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    assert url.username == "litellm_app" and url.hostname == values["DATABASE_HOST"] and url.port == 5432
    token = urllib.parse.unquote(url.password or "")
    assert "Action=connect" in token and "DBUser=litellm_app" in token and "X-Amz-Signature=" in token
    assert urllib.parse.parse_qs(url.query)["sslmode"] == ["require"]


def test_the_task_role_may_connect_as_exactly_that_user() -> None:
    loc = module_locals()
    assert unquote(loc["db_user_arn"]).endswith(":dbuser:${var.database.resource_id}/${var.database.app_user}")
    assert TfDir.load(MODULE).module_calls["task"]["rds_db_user_arns"] == ["${local.db_user_arn}"]
    assert TfDir.load(MODULES / "fargate-service").module_calls["iam"]["rds_db_user_arns"] == "${var.rds_db_user_arns}"
    iam = (MODULES / "iam" / "main.tf").read_text()
    assert '"rds-db:connect"' in iam
    assert TfDir.load(MODULES / "gateway").module_calls["litellm"]["database"]["resource_id"] == (
        "${module.database.resource_id}"
    )


# --- db_user.py against a real PostgreSQL server ---------------------------------------------------------------


def postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if found is None:
        pytest.fail(f"{name} not found: install PostgreSQL (tools/bootstrap.sh system installs it)")
    return str(found)


def as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: when the tests do, run the server as the postgres system user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    # As root, a directory the postgres user can reach (pytest's own temporary tree is private to root).
    base = Path(tempfile.mkdtemp(prefix="llmgw-pg-")) if os.geteuid() == 0 else tmp_path_factory.mktemp("pg")
    data = base / "data"
    data.mkdir()
    if os.geteuid() == 0:
        base.chmod(0o755)
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    init = subprocess.run(
        as_postgres_user([postgres_bin("initdb"), "-D", str(data), "-U", "litellm", "--auth=trust", "-E", "UTF8"]),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    log = data.parent / "server.log"
    if os.geteuid() == 0:
        log.touch()
        shutil.chown(log, "postgres")
    start = subprocess.run(
        as_postgres_user([postgres_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                          f"-c listen_addresses=127.0.0.1 -p {port} -k {data}", "start"]),
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert start.returncode == 0, start.stdout + start.stderr + log.read_text()
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, dbname="postgres", user="litellm") as conn:
            conn.autocommit = True
            conn.execute("CREATE DATABASE litellm")
            conn.execute("CREATE ROLE rds_iam")  # RDS provides this role; IAM token logins require membership
        # What the migrations (run as the master user) leave: tables and a sequence owned by it.
        with psycopg.connect(host="127.0.0.1", port=port, dbname="litellm", user="litellm") as conn:
            conn.execute('CREATE TABLE "LiteLLM_VerificationToken" (token text PRIMARY KEY, spend float)')
            conn.execute('CREATE TABLE "LiteLLM_SpendLogs" (id serial PRIMARY KEY, spend float)')
        yield {"port": port}
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(as_postgres_user([postgres_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                           capture_output=True, timeout=60)  # fmt: skip
        if os.geteuid() == 0:
            shutil.rmtree(base, ignore_errors=True)


def run_db_user(port: int) -> None:
    env = {
        "DATABASE_HOST": "127.0.0.1",
        "DATABASE_PORT": str(port),
        "DATABASE_NAME": "litellm",
        "DATABASE_USERNAME": "litellm",
        "DATABASE_PASSWORD": "unused-with-trust-auth",
        "DB_APP_USER": "litellm_app",
        "DB_SSLMODE": "disable",  # the local server has no TLS; RDS forces it (rds.force_ssl) and the task requires it
    }
    with mock.patch.dict(os.environ, env), pytest.raises(SystemExit) as done:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert done.value.code == 0


def test_db_user_script_makes_a_least_privilege_iam_user(postgres: dict) -> None:
    import psycopg

    port = postgres["port"]
    run_db_user(port)
    run_db_user(port)  # idempotent: every task start runs it
    with psycopg.connect(host="127.0.0.1", port=port, dbname="litellm", user="litellm") as owner:
        owner.execute('CREATE TABLE "LiteLLM_NewAfterGrant" (id serial PRIMARY KEY)')  # a later migration
        member = owner.execute("SELECT pg_has_role('litellm_app', 'rds_iam', 'member')").fetchone()[0]
        flags = owner.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'litellm_app'")
        assert member is True and flags.fetchone() == (False, False, False)
    with psycopg.connect(host="127.0.0.1", port=port, dbname="litellm", user="litellm_app") as app:
        app.execute("""INSERT INTO "LiteLLM_VerificationToken" VALUES ('t1', 0)""")
        app.execute("""UPDATE "LiteLLM_VerificationToken" SET spend = 1.5 WHERE token = 't1'""")
        app.execute('INSERT INTO "LiteLLM_SpendLogs" (spend) VALUES (0.1)')  # uses the sequence
        app.execute('INSERT INTO "LiteLLM_NewAfterGrant" DEFAULT VALUES')  # default privileges
        app.execute('CREATE VIEW "LiteLLM_SpendView" AS SELECT * FROM "LiteLLM_SpendLogs"')  # LiteLLM's views
        assert app.execute('SELECT count(*) FROM "LiteLLM_SpendLogs"').fetchone()[0] == 1
        app.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute('DROP TABLE "LiteLLM_VerificationToken"')


def test_db_user_script_refuses_names_that_are_not_plain_identifiers() -> None:
    namespace = runpy.run_path(str(SCRIPT))
    with pytest.raises(ValueError, match="identifier"):
        namespace["statements"]("app; DROP TABLE x", "litellm", "public", "litellm", "rds_iam")


def test_database_url_is_not_waiting_on_a_rotation_roll() -> None:
    """The EventBridge -> Step Functions roll on every password rotation is gone: nothing needs it any more."""
    text = (MODULE / "main.tf").read_text()
    assert "RotationSucceeded" not in text and "aws_sfn_state_machine" not in text
    assert "roll_on_password_rotation" not in TfDir.load(MODULE).variables
