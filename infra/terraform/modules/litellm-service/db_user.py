"""Init container of the LiteLLM task: the database user LiteLLM serves with, authenticated by IAM tokens.

Runs after the migrations, with the stock LiteLLM image's own python3 and psycopg (a dependency of its proxy
extras, no image of our own): the task definition passes this file's text to `python3 -c`. It connects as the
RDS master user (DATABASE_USERNAME / DATABASE_PASSWORD from the RDS-managed secret, read at task start, so a
rotated master password is always current here) and makes sure, idempotently, that DB_APP_USER

  * exists and may log in, member of DB_IAM_ROLE (rds_iam on RDS: password logins are refused, IAM tokens work),
  * may read and write every table and sequence of the schema, and CREATE in it (LiteLLM creates its views at
    start), and gets the same on tables the master user's future migrations create (default privileges).

The LiteLLM container then connects as that user with a fresh IAM token per connection (IAM_TOKEN_DB_AUTH; LiteLLM
mints and renews the token itself): it never holds the master password, so a rotation of it cannot break pooled
connections or reconnects. Environment: DATABASE_HOST, DATABASE_PORT, DATABASE_NAME, DATABASE_USERNAME,
DATABASE_PASSWORD, DB_APP_USER, DB_IAM_ROLE (default rds_iam), DB_SCHEMA (default public), DB_SSLMODE (default
require). Prints one JSON line; any error fails the task, so LiteLLM never starts without its user.
"""

import json
import os
import re
import sys

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def statements(app_user: str, database: str, schema: str, owner: str, iam_role: str) -> list[str]:
    """The SQL, in order; every name is checked against IDENTIFIER first (no quoting tricks needed)."""
    for name in (app_user, database, schema, owner, iam_role):
        if not IDENTIFIER.match(name):
            raise ValueError(f"not a plain SQL identifier: {name!r}")
    return [
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app_user}') THEN CREATE ROLE {app_user} LOGIN; "
        f"END IF; END $$",
        f"ALTER ROLE {app_user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
        f"GRANT {iam_role} TO {app_user}",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app_user}",
        f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {app_user}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app_user}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {app_user}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app_user}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app_user}",
    ]


def main() -> int:
    import psycopg

    env = os.environ
    owner = env["DATABASE_USERNAME"]
    sql = statements(
        app_user=env["DB_APP_USER"],
        database=env["DATABASE_NAME"],
        schema=env.get("DB_SCHEMA", "public"),
        owner=owner,
        iam_role=env.get("DB_IAM_ROLE", "rds_iam"),
    )
    with psycopg.connect(
        host=env["DATABASE_HOST"],
        port=int(env.get("DATABASE_PORT", "5432")),
        dbname=env["DATABASE_NAME"],
        user=owner,
        password=env["DATABASE_PASSWORD"],
        sslmode=env.get("DB_SSLMODE", "require"),
        connect_timeout=30,
    ) as conn:
        with conn.cursor() as cur:
            for statement in sql:
                cur.execute(statement)
        conn.commit()
    print(json.dumps({"database_user": env["DB_APP_USER"], "granted": len(sql)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
