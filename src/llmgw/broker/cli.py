"""python -m llmgw.broker: run the key broker, check a policy file, mint the broker's own credential, sweep.

    python -m llmgw.broker serve --policy infra/broker/policy.yaml --gateway-config infra/litellm/config.yaml \\
        --gateway-url http://127.0.0.1:4000 [--host 127.0.0.1 --port 4020] [--audit-log FILE]
        (the credential comes from LLMGW_BROKER_ADMIN_KEY, never from the command line)
    python -m llmgw.broker check-policy infra/broker/policy.yaml [--gateway-config infra/litellm/config.yaml]
    python -m llmgw.broker credential --gateway-url URL [--json]
        (once, with LITELLM_MASTER_KEY: creates the broker's service user and its route-limited key)
    python -m llmgw.broker sweep ...serve's options...   (revoke keys the policy no longer admits, once)

Exit codes: 0 ok, 1 a problem the message names (bad policy, gateway refused), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from llmgw.admin.client import AdminClient, GatewayError
from llmgw.broker import models as gateway_models
from llmgw.broker import policy as policy_file
from llmgw.broker.audit import AuditLog
from llmgw.broker.issuer import KeyIssuer

ADMIN_KEY_ENV = "LLMGW_BROKER_ADMIN_KEY"
SERVICE_USER = "llmgw-key-broker"
CREDENTIAL_ALIAS = "llmgw-key-broker"
# The only admin routes the broker calls (llmgw.broker.issuer, llmgw.admin.users.provision). LiteLLM 1.106.2 checks
# a key's allowed_routes for every role (litellm/proxy/auth/route_checks.py, is_virtual_key_allowed_to_call_route),
# so this proxy_admin key cannot change models, settings, spend, budgets of teams, or regenerate keys.
ALLOWED_ROUTES = (
    "/user/new",
    "/user/info",
    "/user/update",
    "/team/new",
    "/team/info",
    "/team/member_add",
    "/key/generate",
    "/key/update",
    "/key/delete",
    "/key/list",
)


def _models(path: Path | None) -> gateway_models.GatewayModels | None:
    return gateway_models.load(path) if path else None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", type=Path, default=os.environ.get("LLMGW_BROKER_POLICY"), required=False)
    p.add_argument(
        "--gateway-config",
        type=Path,
        default=os.environ.get("LLMGW_GATEWAY_CONFIG"),
        help="the gateway's config.yaml (model names the policy may use)",
    )
    p.add_argument(
        "--gateway-url",
        default=os.environ.get("LLMGW_GATEWAY_ADMIN_URL"),
        help="LiteLLM's base URL for the admin API (inside the network)",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds for STS, the IdP and the admin API")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m llmgw.broker", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the broker's HTTP service")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("BROKER_PORT", 4020)))
    serve.add_argument("--audit-log", type=Path, default=os.environ.get("LLMGW_BROKER_AUDIT_LOG") or None)
    serve.add_argument(
        "--sweep-interval",
        type=float,
        default=300.0,
        help="seconds between policy re-reads and revocation sweeps (0: never)",
    )
    check = sub.add_parser("check-policy", help="validate a policy file (exit 1 with every problem)")
    check.add_argument("policy", type=Path)
    check.add_argument("--gateway-config", type=Path, help="also check the model names against this config.yaml")
    cred = sub.add_parser("credential", help="create the broker's own admin credential (needs LITELLM_MASTER_KEY)")
    cred.add_argument("--gateway-url", required=True)
    cred.add_argument("--json", action="store_true")
    sweep = sub.add_parser("sweep", help="revoke the broker keys the policy no longer admits, once")
    _common(sweep)
    args = parser.parse_args(argv)
    if args.command in ("serve", "sweep"):
        missing = [n for n in ("policy", "gateway_config", "gateway_url") if not getattr(args, n)]
        if missing:
            parser.error(f"{args.command} needs " + ", ".join("--" + m.replace("_", "-") for m in missing))
        if not os.environ.get(ADMIN_KEY_ENV):
            parser.error(f"{ADMIN_KEY_ENV} is not set: the broker's own credential (python -m llmgw.broker credential)")
    return args


def build(args: argparse.Namespace):  # -> Broker
    from llmgw.broker.service import Broker

    client = AdminClient(args.gateway_url, os.environ[ADMIN_KEY_ENV], timeout=args.timeout)
    client.credential = "the broker's credential (LLMGW_BROKER_ADMIN_KEY)"
    issuer = KeyIssuer(client, gateway_models.load(args.gateway_config))
    return Broker(args.policy, issuer, audit=AuditLog(getattr(args, "audit_log", None)), timeout=args.timeout)


def credential(args: argparse.Namespace) -> int:
    master = os.environ.get("LITELLM_MASTER_KEY", "").strip()
    if not master:
        print("error: LITELLM_MASTER_KEY is not set (needed once, to create the broker's credential)", file=sys.stderr)
        return 1
    client = AdminClient(args.gateway_url, master)
    try:
        from llmgw.admin.users import UserSpec, provision

        outcome = provision(
            client,
            UserSpec(user_id=SERVICE_USER, alias="llmgw key broker", role="proxy_admin", key_alias=CREDENTIAL_ALIAS),
            with_key=False,
            metadata={"created_by": "python -m llmgw.broker credential"},
        )
        existing = client.get("/key/list", key_alias=CREDENTIAL_ALIAS, return_full_object=True) or {}
        old = [k["token"] for k in existing.get("keys", []) if isinstance(k, dict) and k.get("token")]
        if old:
            client.post("/key/delete", {"keys": old})
        key = client.post(
            "/key/generate",
            {
                "user_id": outcome.user_id,
                "key_alias": CREDENTIAL_ALIAS,
                "allowed_routes": list(ALLOWED_ROUTES),
                "metadata": {"created_by": "python -m llmgw.broker credential"},
            },
        )
    except GatewayError as exc:
        print(f"error: {client.mask(str(exc))}", file=sys.stderr)
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "key": key["key"],
                    "key_alias": CREDENTIAL_ALIAS,
                    "allowed_routes": list(ALLOWED_ROUTES),
                    "replaced": len(old),
                }
            )
        )
    else:
        print(f"{ADMIN_KEY_ENV}={key['key']}")
        print(
            f"# user {SERVICE_USER} (proxy_admin), key {CREDENTIAL_ALIAS} limited to {', '.join(ALLOWED_ROUTES)}",
            file=sys.stderr,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    try:
        if args.command == "check-policy":
            names = _models(args.gateway_config)
            policy = policy_file.load(args.policy, known_models=names.names() if names else None)
            print(f"{args.policy}: ok ({len(policy.rules)} rules: {', '.join(r.name for r in policy.rules)})")
            return 0
        if args.command == "credential":
            return credential(args)
        broker = build(args)
        if args.command == "sweep":
            revoked = broker.sweep("cli")
            print(json.dumps({"revoked": revoked}))
            return 0
        import uvicorn

        from llmgw.broker.app import create_app

        uvicorn.run(
            create_app(broker, sweep_interval=args.sweep_interval),
            host=args.host,
            port=args.port,
            log_level="warning",
            access_log=False,
        )
        return 0
    except (policy_file.PolicyError, gateway_models.ModelsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except GatewayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
