"""``python -m bedrock_emulator --host 127.0.0.1 --port 4010``"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from dataclasses import replace
from pathlib import Path

from aiohttp import web

from . import __version__, iam, scenario
from .server import create_app
from .settings import ENV_PREFIX, Settings

log = logging.getLogger("bedrock_emulator")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bedrock_emulator", description="AWS Bedrock runtime emulator (Claude).")
    parser.add_argument("--host", default=os.environ.get(ENV_PREFIX + "HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get(ENV_PREFIX + "PORT", "4010")))
    parser.add_argument("--latency-ms", type=int, help="delay before each response ($BEDROCK_EMULATOR_LATENCY_MS)")
    parser.add_argument("--ttft-ms", type=int, help="time to first token ($BEDROCK_EMULATOR_TTFT_MS)")
    parser.add_argument(
        "--tokens-per-second", type=float, help="output pacing, 0 = none ($BEDROCK_EMULATOR_TOKENS_PER_SECOND)"
    )
    parser.add_argument("--output-tokens", type=int, help="words per text answer ($BEDROCK_EMULATOR_OUTPUT_TOKENS)")
    parser.add_argument(
        "--log-level", default=os.environ.get(ENV_PREFIX + "LOG_LEVEL", "INFO"), help="($BEDROCK_EMULATOR_LOG_LEVEL)"
    )
    parser.add_argument(
        "--scenario",
        type=Path,
        default=_env_path("SCENARIO"),
        help="scripted replies (JSON, or YAML with PyYAML), see scenario.py ($BEDROCK_EMULATOR_SCENARIO)",
    )
    parser.add_argument(
        "--iam-policy",
        type=Path,
        default=_env_path("IAM_POLICY"),
        help="enforce this IAM policy document on every model call ($BEDROCK_EMULATOR_IAM_POLICY)",
    )
    parser.add_argument(
        "--iam-principal",
        default=os.environ.get(ENV_PREFIX + "IAM_PRINCIPAL", iam.DEFAULT_PRINCIPAL),
        help="the caller named in AccessDenied messages ($BEDROCK_EMULATOR_IAM_PRINCIPAL)",
    )
    parser.add_argument(
        "--iam-account",
        default=os.environ.get(ENV_PREFIX + "IAM_ACCOUNT", iam.DEFAULT_ACCOUNT),
        help="account id of the ARNs the policy is evaluated against ($BEDROCK_EMULATOR_IAM_ACCOUNT)",
    )
    return parser.parse_args(argv)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(ENV_PREFIX + name, "").strip()
    return Path(value) if value else None


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    overrides = {
        name: value
        for name, value in (
            ("latency_ms", args.latency_ms),
            ("ttft_ms", args.ttft_ms),
            ("tokens_per_second", args.tokens_per_second),
            ("output_tokens", args.output_tokens),
        )
        if value is not None
    }
    return replace(settings, **overrides)


def _install_uvloop() -> None:
    try:
        import uvloop  # type: ignore[import-not-found]
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    settings = settings_from(args)
    try:
        script = scenario.load(args.scenario) if args.scenario else None
        enforcer = (
            iam.IamEnforcer.from_file(args.iam_policy, principal=args.iam_principal, account=args.iam_account)
            if args.iam_policy
            else None
        )
    except (ValueError, ImportError) as exc:
        raise SystemExit(f"bedrock_emulator: {exc}") from None
    _install_uvloop()
    log.info(
        "bedrock emulator %s listening on http://%s:%d (%s; scenario: %s; IAM: %s)",
        __version__,
        args.host,
        args.port,
        settings,
        args.scenario or "none",
        args.iam_policy or "not enforced",
    )
    app = create_app(settings, scenario=script, iam=enforcer)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
