"""Give a developer a key to the gateway: create or reuse a LiteLLM user, its team membership, budget, limits and
key, and print what the developer pastes for Claude Code and the OpenAI SDK. Safe to re-run.

  create_user.py --email alice@example.com --max-budget 50 --budget-duration 30d
  create_user.py --email alice@example.com --rotate-key              # new key, the old one stops working
  create_user.py --file users.csv --team platform --dry-run          # bulk (CSV or YAML), plan only
  create_user.py list                                                # users with spend and budget
  create_user.py budget --email alice@example.com                    # one user's budget and keys
  create_user.py team --team-id platform --max-budget 500 --budget-duration 30d   # a team and its budget
  create_user.py disable-key --key-alias alice@example.com-default   # or enable-key, delete-key --yes

Gateway URL: --gateway-url, else $LITELLM_GATEWAY_URL, else output gateway_url of --tf-outputs FILE
(`terraform output -json > FILE`). Master key: --master-key-secret-arn ARN (read with boto3), else
$LITELLM_MASTER_KEY, else the outputs' secret_arns.litellm_master_key. The master key is never printed.
Exit codes: 0 done, 1 the gateway refused or failed (in bulk mode: any row), 2 bad usage or settings.
See docs/users.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from llmgw.admin import admin_ops
from llmgw.admin.client import AdminClient, GatewayError
from llmgw.admin.config import ConfigError, add_connection_args, resolve_gateway_url, resolve_master_key
from llmgw.admin.output import emit_json, error, table
from llmgw.admin.snippets import claude_code_env, openai_snippet
from llmgw.admin.teams import TeamSpec, ensure_team, find_team, team_status
from llmgw.admin.users import (
    ROLES,
    SpecError,
    UserSpec,
    load_rows,
    model_limits,
    provision,
    spec_from_row,
    split_models,
)
from llmgw.cli_types import non_negative_float, positive_int

SUBCOMMANDS = ("create", "list", "budget", "team", "disable-key", "enable-key", "delete-key")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def model_limit_arg(text: str) -> dict[str, int]:
    try:
        return model_limits(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2), like every other error of this script."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see {self.prog} --help)\n")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def common(parser: argparse.ArgumentParser, *, dry_run: bool = False) -> None:
    add_connection_args(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON (for scripts)")
    if dry_run:
        parser.add_argument("--dry-run", action="store_true", help="read the current state, change nothing, "
                            "print the requests that would be sent")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="create_user.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    create = sub.add_parser("create", help="create or reuse users and keys (the default command)",
                            description="Create or reuse a user (or every user of --file) and its key.")  # fmt: skip
    who = create.add_argument_group("user (one user; or --file for many)")
    who.add_argument("--email", help="the developer's email; also the user id unless --user-id")
    who.add_argument("--user-id", help="LiteLLM user id (default: the email, lower-cased)")
    who.add_argument("--alias", help="display name")
    who.add_argument("--role", choices=ROLES, help="LiteLLM role of the user (new users: internal_user)")
    who.add_argument("--file", type=Path, help="bulk mode: CSV (header line) or YAML list of users; the other "
                     "flags are defaults for every row (docs/users.md)")  # fmt: skip
    limits = create.add_argument_group("team, budget and limits")
    limits.add_argument("--team", dest="team_id", metavar="TEAM_ID", help="add the user to this team (must exist)")
    limits.add_argument("--max-budget", type=non_negative_float, metavar="USD", help="spend limit of the user in USD")
    limits.add_argument("--budget-duration", metavar="DURATION", help="reset the spend every 30d, 7d, 1mo, ...")
    limits.add_argument("--models", type=split_models, metavar="M1,M2",
                        help="model groups the user and key may call (default: all)")  # fmt: skip
    limits.add_argument("--rpm", type=positive_int, help="requests per minute")
    limits.add_argument("--tpm", type=positive_int, help="tokens per minute")
    limits.add_argument("--model-rpm", type=model_limit_arg, metavar="MODEL=N,...",
                        help="requests per minute of the key per model group, e.g. claude-opus-5-5=10")  # fmt: skip
    limits.add_argument("--model-tpm", type=model_limit_arg, metavar="MODEL=N,...",
                        help="tokens per minute of the key per model group")  # fmt: skip
    key = create.add_argument_group("key")
    key.add_argument("--key-alias", help="name of the key (default: <user id>-default); finds it on re-runs")
    key.add_argument("--key-expires", metavar="DURATION", help="key lifetime: 90d, 12h, 1mo, ... (default: never)")
    key.add_argument("--rotate-key", action="store_true", help="replace an existing key: a new key is issued "
                     "and the old one is deleted")  # fmt: skip
    key.add_argument("--no-key", action="store_true", help="only create/update the user, no key")
    common(create, dry_run=True)

    p_list = sub.add_parser("list", help="users with spend and budget, most expensive first")
    p_list.add_argument("--team", help="only members of this team id")
    p_list.add_argument("--email", help="only emails containing this text")
    common(p_list)

    budget = sub.add_parser("budget", help="one user's spend, budget, reset time and keys")
    target = budget.add_mutually_exclusive_group(required=True)
    target.add_argument("--email")
    target.add_argument("--user-id")
    common(budget)

    team = sub.add_parser(
        "team",
        help="create a team or set its budget; without budget flags, show it",
        description="Create or update a team and its budget (beside each member's own budget: "
        "whichever is used up first refuses). Without --max-budget/--alias it only shows the team.",
    )
    team.add_argument("--team-id", required=True, help="the team id (--team of the create command)")
    team.add_argument("--alias", help="display name of the team")
    team.add_argument("--max-budget", type=non_negative_float, metavar="USD", help="the team's spend limit in USD")
    team.add_argument("--budget-duration", metavar="DURATION", help="reset the team's spend every 30d, 7d, 1mo, ...")
    common(team, dry_run=True)

    for name, text in (
        ("disable-key", "block a key (it stays, with its spend history; enable-key undoes it)"),
        ("enable-key", "unblock a key disabled with disable-key"),
        ("delete-key", "delete a key for good"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("--key-alias")
        which.add_argument("--key", metavar="KEY", help="the key itself (sk-...) or its 64-hex hash")
        if name == "delete-key":
            p.add_argument("--yes", action="store_true", help="required: confirm the deletion")
        common(p, dry_run=True)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["create", *argv]
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        misplaced = [a for a in extra if a in SUBCOMMANDS]
        if misplaced:
            parser.error(f"the command goes first: create_user.py {misplaced[0]} [options]")
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


# --- create --------------------------------------------------------------------------------------------------


def spec_from_args(args: argparse.Namespace) -> UserSpec:
    return UserSpec(
        email=args.email,
        alias=args.alias,
        role=args.role,
        user_id=args.user_id,
        team_id=args.team_id,
        max_budget=args.max_budget,
        budget_duration=args.budget_duration,
        models=args.models,
        rpm=args.rpm,
        tpm=args.tpm,
        model_rpm=args.model_rpm,
        model_tpm=args.model_tpm,
        key_alias=args.key_alias,
        key_expires=args.key_expires,
    )


def developer_view(gateway_url: str, api_key: str, models: list[str] | None = None) -> dict[str, Any]:
    return {
        "claude_code_env": claude_code_env(gateway_url, api_key, models),
        "openai_snippet": openai_snippet(gateway_url, api_key, models),
    }


def run_one(client: AdminClient, spec: UserSpec, args: argparse.Namespace) -> dict[str, Any]:
    client.planned.clear()
    try:
        outcome = provision(client, spec, rotate_key=args.rotate_key, with_key=not args.no_key)
    except GatewayError as exc:
        return {"user_id": spec.resolved_user_id, "status": "failed", "error": str(exc)}
    result: dict[str, Any] = {"status": "failed" if outcome.errors else "ok", **outcome.as_dict()}
    if outcome.api_key:
        result.update(developer_view(client.base_url, outcome.api_key, spec.models))
    if client.dry_run:
        result["planned"] = [p.as_dict(client.base_url) for p in client.planned]
    return result


def print_result(result: dict[str, Any], gateway_url: str, dry_run: bool) -> None:
    who = result["user_id"]
    if result["status"] == "failed" and "error" in result:
        print(f"user {who}: FAILED: {result['error']}")
        return
    team = {"added": ", added to team", "member": ", already in team"}.get(result.get("team") or "")
    print(f"user {who}: {result['user']}" + (f"{team} {result['team_id']}" if team else ""))
    if result.get("key_alias"):
        expiry = f", expires {result['key_expires']}" if result.get("key_expires") else ""
        print(f"key {result['key_alias']}: {result['key']}{expiry}")
    for warning in result.get("warnings", []):
        print(f"warning: {warning}")
    for problem in result.get("errors", []):
        print(f"error: {problem}")
    if dry_run:
        planned = result.get("planned") or []
        print("dry run, nothing changed; requests that would be sent:" if planned else "dry run: nothing to change")
        for p in planned:
            print(f"  {p['method']} {p['url']} {json.dumps(p['body'])}")
        return
    if result.get("api_key"):
        print()
        print("The key is shown only this once. Give the developer these lines:")
        print()
        print('# Claude Code: add to ~/.bashrc or ~/.zshrc (or as "env" in ~/.claude/settings.json)')
        print("\n".join(f"export {k}={shlex.quote(v)}" for k, v in result["claude_code_env"].items()))
        print()
        print("# OpenAI SDK (Python)")
        print(result["openai_snippet"])
        print()
    elif result.get("key") in ("reused", "updated"):
        print("(the key's value was shown when it was created; --rotate-key issues a new one)")


def cmd_create(args: argparse.Namespace, client: AdminClient) -> int:
    defaults = spec_from_args(args)
    if args.file is not None:
        if args.email or args.user_id or args.alias or args.key_alias:
            raise SpecError("--file takes the users from the file: --email, --user-id, --alias and --key-alias "
                            "belong in its rows")  # fmt: skip
        rows = load_rows(args.file)
        results = []
        for number, row in enumerate(rows, start=1):
            try:
                spec = spec_from_row(row, defaults)
            except SpecError as exc:
                ident = row.get("email") or row.get("user_id") or f"row {number}"
                results.append({"user_id": str(ident), "status": "failed", "error": f"row {number}: {exc}"})
                continue
            results.append(run_one(client, spec, args))
    else:
        results = [run_one(client, defaults.validate(), args)]

    failed = [r for r in results if r["status"] != "ok"]
    summary = {"total": len(results), "ok": len(results) - len(failed), "failed": len(failed)}
    for what in ("created", "updated", "reused"):
        summary[f"users_{what}"] = sum(r.get("user") == what for r in results)
    for what in ("created", "rotated"):
        summary[f"keys_{what}"] = sum(r.get("key") == what for r in results)
    bulk = args.file is not None
    if args.json:
        emit_json({"gateway_url": client.base_url, "dry_run": client.dry_run, "results": results, "summary": summary})
    else:
        for result in results:
            if bulk or "error" not in result:
                print_result(result, client.base_url, client.dry_run)
        if bulk:
            print(
                f"{plural(summary['total'], 'user')}: {summary['ok']} ok ({summary['users_created']} created, "
                f"{summary['users_updated']} updated, {summary['users_reused']} unchanged), {summary['failed']} failed"
            )
    if bulk and failed:
        error(f"{len(failed)} of {len(results)} users failed: {', '.join(r['user_id'] for r in failed)}")
    elif failed:
        error(failed[0].get("error") or "; ".join(failed[0].get("errors", [])))
    return EXIT_FAILED if failed else EXIT_OK


# --- companions ----------------------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace, client: AdminClient) -> int:
    users = [admin_ops.user_summary(u) for u in admin_ops.list_users(client, team=args.team, email=args.email)]
    if args.json:
        emit_json({"users": users, "total_spend_usd": round(sum(u["spend_usd"] for u in users), 6)})
        return EXIT_OK
    columns = [("user_id", "USER"), ("email", "EMAIL"), ("role", "ROLE"), ("teams", "TEAMS"),
               ("spend_usd", "SPEND $"), ("max_budget_usd", "BUDGET $"), ("budget_duration", "RESET"),
               ("budget_used", "USED"), ("keys", "KEYS")]  # fmt: skip
    print(table(users, columns))
    print(f"{plural(len(users), 'user')}, total spend ${sum(u['spend_usd'] for u in users):.4f}")
    return EXIT_OK


def cmd_budget(args: argparse.Namespace, client: AdminClient) -> int:
    user_id = args.user_id or admin_ops.find_user_id(client, args.email)
    status = admin_ops.budget_status(client, user_id)
    if args.json:
        emit_json(status)
        return EXIT_OK
    spent = f"spent ${status['spend_usd']:.4f}"
    if status["max_budget_usd"] is None:
        print(f"user {status['user_id']}: {spent}, no budget")
    else:
        reset = f", resets every {status['budget_duration']}" if status.get("budget_duration") else ""
        at = f" (next {status['budget_reset_at']})" if status.get("budget_reset_at") else ""
        print(f"user {status['user_id']}: {spent} of ${status['max_budget_usd']:.2f}{reset}{at}")
    if status["remaining_usd"] is not None:
        state = "OVER BUDGET: requests are refused" if status["over_budget"] else f"${status['remaining_usd']:.4f} left"
        print(state)
    if status["keys"]:
        print(table(status["keys"], [("key_alias", "KEY"), ("spend_usd", "SPEND $"), ("max_budget_usd", "BUDGET $"),
                                     ("expires", "EXPIRES"), ("blocked", "DISABLED")]))  # fmt: skip
    else:
        print("no keys")
    return EXIT_OK


def cmd_team(args: argparse.Namespace, client: AdminClient) -> int:
    spec = TeamSpec(args.team_id, args.alias, args.max_budget, args.budget_duration).validate()
    if spec.wanted():
        status = ensure_team(client, spec)
    else:
        row = find_team(client, spec.team_id)
        if row is None:
            raise GatewayError(f"team {spec.team_id!r} does not exist: create it with --max-budget (and "
                               "--budget-duration) or --alias", 404)  # fmt: skip
        status = {**team_status(spec.team_id, row), "team": "shown"}
    if args.json:
        out: dict[str, Any] = {**status, "dry_run": client.dry_run}
        if client.dry_run:
            out["planned"] = [p.as_dict(client.base_url) for p in client.planned]
        emit_json(out)
        return EXIT_OK
    verb = "" if status["team"] == "shown" else f": {status['team']}"
    spent = f"spent ${status['spend_usd']:.4f}"
    if status["max_budget_usd"] is None:
        print(f"team {spec.team_id}{verb}, {spent}, no budget")
    else:
        reset = f", resets every {status['budget_duration']}" if status.get("budget_duration") else ""
        at = f" (next {status['budget_reset_at']})" if status.get("budget_reset_at") else ""
        print(f"team {spec.team_id}{verb}, {spent} of ${status['max_budget_usd']:.2f}{reset}{at}")
    if client.dry_run:
        print("dry run, nothing changed; requests that would be sent:" if client.planned else "dry run: no change")
        for p in client.planned:
            print(f"  {p.method} {client.base_url}{p.path} {json.dumps(p.body)}")
    return EXIT_OK


def cmd_key(args: argparse.Namespace, client: AdminClient) -> int:
    if args.command == "delete-key" and not args.yes and not args.dry_run:
        raise SpecError("delete-key deletes the key for good: add --yes (or use disable-key, which can be undone)")
    key = admin_ops.resolve_key(client, alias=args.key_alias, key=args.key)
    if args.command == "delete-key":
        result = admin_ops.delete_key(client, key)
        verb = "deleted"
    else:
        result = admin_ops.set_blocked(client, key, args.command == "disable-key")
        verb = "disabled" if args.command == "disable-key" else "enabled"
    name = key.get("key_alias") or key.get("token")
    if args.json:
        out: dict[str, Any] = {"action": verb, "dry_run": client.dry_run, "key": result}
        if client.dry_run:
            out["planned"] = [p.as_dict(client.base_url) for p in client.planned]
        emit_json(out)
    elif client.dry_run:
        print(f"dry run: key {name} would be {verb}:")
        for p in client.planned:
            print(f"  {p.method} {client.base_url}{p.path} {json.dumps(p.body)}")
    else:
        print(f"key {name} (user {key.get('user_id') or '-'}): {verb}")
    return EXIT_OK


COMMANDS = {"create": cmd_create, "list": cmd_list, "budget": cmd_budget, "team": cmd_team}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if getattr(args, "key", None) is not None and not admin_ops.is_key_or_hash(args.key):
            raise SpecError("--key takes the key itself (sk-...) or its 64-hex hash (token)")
        if args.command == "create":
            # Check the input before any secret is read or any request is sent.
            if args.file is None:
                spec_from_args(args).validate()
            else:
                replace(spec_from_args(args), email="check@example.com").validate()
        url = resolve_gateway_url(args.gateway_url, args.tf_outputs)
        master_key = resolve_master_key(args.master_key_secret_arn, args.tf_outputs)
        client = AdminClient(url, master_key, timeout=args.timeout, dry_run=getattr(args, "dry_run", False))
        return COMMANDS.get(args.command, cmd_key)(args, client)
    except (ConfigError, SpecError) as exc:
        error(str(exc))
        return EXIT_USAGE
    except GatewayError as exc:
        error(str(exc))
        return EXIT_FAILED
