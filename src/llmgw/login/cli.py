"""gateway_login: a short-lived gateway key from your AWS identity, your company SSO or GitHub Actions.

    gateway_login.py login --gateway https://llm.example.com --method aws|sso|github [--provider NAME]
                           [--purpose laptop] [--profile default] [--aws-profile dev] [--broker URL] [--json]
    gateway_login.py [key] [--profile default]    print a valid key (Claude Code's apiKeyHelper)
    gateway_login.py status [--profile default] [--json]
    gateway_login.py logout [--profile default]

``login`` stores the profile's settings, so ``key`` needs only the profile. ``key`` reuses the cached key while it is
valid for more than --min-valid (default 10m) and the gateway still accepts it (one GET /v1/models; a 401 there, as
after Claude Code's own 401, means the key was revoked or rotated), and otherwise obtains a new one: AWS and
GitHub silently, SSO with the IdP's refresh token (a new browser login only when the SSO session ended).
The key is printed on stdout and nothing else; messages go to stderr. Exit codes: 0 key printed, 1 no key
(the message says what to do), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from typing import Any

import httpx

from llmgw.login import proofs
from llmgw.login.cache import CacheError, ProfileCache
from llmgw.login.proofs import LoginError

METHODS = ("aws", "sso", "github")
SETTINGS = ("gateway", "broker", "method", "provider", "purpose", "aws_profile")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parse_duration(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)
    except (ValueError, IndexError, KeyError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90s, 10m or 1h") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="gateway_login.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", default="key", choices=("key", "login", "status", "logout"))
    parser.add_argument("--profile", default=os.environ.get("LLMGW_LOGIN_PROFILE", "default"))
    parser.add_argument("--gateway", help="the gateway's URL (as ANTHROPIC_BASE_URL)")
    parser.add_argument("--broker", help="the key broker's URL (default: the gateway's URL; /broker/ routes)")
    parser.add_argument("--method", choices=METHODS, help="aws: AWS credentials; sso: company SSO; github: Actions")
    parser.add_argument("--provider", help="which SSO/GitHub provider of the broker (when it trusts several)")
    parser.add_argument("--purpose", help="one key per purpose/device (default: laptop, ci for github)")
    parser.add_argument("--aws-profile", help="AWS profile for the aws method (default: boto3's usual chain)")
    parser.add_argument("--min-valid", type=_parse_duration, default=600, help="renew when less is left (10m)")
    parser.add_argument("--no-check", action="store_true", help="do not ask the gateway whether the key still works")
    parser.add_argument("--timeout", type=float, default=15.0)
    parser.add_argument("--json", action="store_true", help="login/status: machine-readable output")
    return parser.parse_args(argv)


def _expires(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _remaining(state: dict[str, Any]) -> float:
    expires = _expires(state.get("expires"))
    if expires is None:
        return float("inf") if state.get("key") else 0.0
    return (expires - dt.datetime.now(dt.UTC)).total_seconds()


def _gateway_accepts(gateway: str, key: str, timeout: float) -> bool | None:
    """True/False when the gateway says, None when it cannot be asked (then the cached key is kept)."""
    try:
        response = httpx.get(
            gateway.rstrip("/") + "/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=timeout
        )
    except httpx.HTTPError:
        return None
    if response.status_code in (401, 403):
        return False
    return True if response.status_code < 400 else None


def _settings(args: argparse.Namespace, stored: dict[str, Any]) -> dict[str, Any]:
    settings = {name: getattr(args, name) or stored.get(name) for name in SETTINGS}
    settings["gateway"] = (
        settings["gateway"] or os.environ.get("LLMGW_GATEWAY_URL") or os.environ.get("ANTHROPIC_BASE_URL")
    )
    if not settings["gateway"]:
        raise LoginError(
            f"profile {args.profile!r} is not set up: run gateway_login.py login --gateway URL --method ..."
        )
    if not settings["method"]:
        raise LoginError("which identity? --method aws (AWS credentials), sso (company login) or github (Actions)")
    settings["broker"] = settings["broker"] or settings["gateway"]
    settings["purpose"] = settings["purpose"] or ("ci" if settings["method"] == "github" else "laptop")
    return settings


def obtain(settings: dict[str, Any], state: dict[str, Any], *, interactive: bool, timeout: float) -> dict[str, Any]:
    """A new key from the broker; returns the new cache content."""
    config = proofs.broker_config(settings["broker"], timeout)
    body: dict[str, Any] = {"purpose": settings["purpose"]}
    refresh_token = state.get("refresh_token")
    method = settings["method"]
    if method == "aws":
        body["aws"] = proofs.aws_proof(config, settings.get("aws_profile"))
    elif method == "github":
        provider = proofs.oidc_provider(config, "github", settings.get("provider"))
        body["id_token"] = proofs.github_token(provider, dict(os.environ), timeout)
    else:
        provider = proofs.oidc_provider(config, "person", settings.get("provider"))
        tokens = None
        if refresh_token:
            try:
                tokens = proofs.refresh_id_token(provider, refresh_token, timeout)
            except LoginError:
                if not interactive:
                    raise
        if tokens is None:
            if not interactive:
                raise LoginError("no SSO session for this profile: run gateway_login.py login --method sso once")
            tokens = proofs.device_login(provider, timeout, _stderr)
        refresh_token = tokens.get("refresh_token") or refresh_token
        body["id_token"] = tokens["id_token"]
    issued = proofs.request_key(settings["broker"], body, timeout)
    new_state = {**settings, **{k: issued.get(k) for k in ("key", "key_alias", "expires", "team", "models", "rule")}}
    new_state["obtained_at"] = dt.datetime.now(dt.UTC).isoformat()
    if refresh_token and method == "sso":
        new_state["refresh_token"] = refresh_token
    return new_state


def key_command(args: argparse.Namespace, cache: ProfileCache, *, interactive: bool) -> tuple[dict[str, Any], bool]:
    """(state, renewed): a key valid for at least --min-valid that the gateway accepts."""
    with cache.locked():
        state = cache.read()
        settings = _settings(args, state)
        same = all(state.get(k) == settings[k] for k in ("gateway", "broker", "method", "purpose"))
        if same and state.get("key") and _remaining(state) > args.min_valid and not interactive:
            accepted = True if args.no_check else _gateway_accepts(settings["gateway"], state["key"], args.timeout)
            if accepted is not False:
                return state, False
            _stderr(f"gateway_login: the gateway refuses the cached key {state.get('key_alias')}; getting a new one")
        new_state = obtain(settings, state if same else {}, interactive=interactive, timeout=args.timeout)
        if state.get("key") and new_state["key"] == state["key"] and not interactive:
            accepted = True if args.no_check else _gateway_accepts(settings["gateway"], new_state["key"], args.timeout)
            if accepted is False:
                raise LoginError(
                    f"the key broker handed out {new_state.get('key_alias')} again, which the gateway "
                    "refuses: try again in a few minutes or ask the platform team"
                )
        cache.write(new_state)
        return new_state, True


def _summary(state: dict[str, Any]) -> dict[str, Any]:
    return {k: state.get(k) for k in ("gateway", "method", "purpose", "key_alias", "expires", "team", "models", "rule")}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        cache = ProfileCache(args.profile)
        if args.command == "logout":
            removed = cache.delete()
            _stderr(f"profile {args.profile}: " + ("cached key removed" if removed else "nothing cached"))
            return 0
        if args.command == "status":
            state = cache.read()
            view = {**_summary(state), "valid_for_seconds": round(_remaining(state)) if state.get("key") else 0}
            print(json.dumps(view) if args.json else "\n".join(f"{k}: {v}" for k, v in view.items()))
            return 0 if state.get("key") and _remaining(state) > 0 else 1
        state, _ = key_command(args, cache, interactive=args.command == "login")
    except (LoginError, CacheError) as exc:
        _stderr(f"gateway_login: {exc}")
        return 1
    if args.command == "login":
        summary = _summary(state)
        if args.json:
            print(json.dumps(summary))
        else:
            _stderr(
                f"gateway_login: key {summary['key_alias']} for team {summary['team']} (rule {summary['rule']}), "
                f"valid until {summary['expires']}; models: {', '.join(summary['models'] or [])}"
            )
            _stderr(
                f'Claude Code: "apiKeyHelper": "{sys.executable} {os.path.abspath(sys.argv[0])} '
                f'--profile {args.profile}"'
            )
        return 0
    print(state["key"])
    return 0
