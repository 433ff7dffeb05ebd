"""``python -m bedrock_emulator --host 127.0.0.1 --port 4010``"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from dataclasses import replace

from aiohttp import web

from . import __version__
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
    return parser.parse_args(argv)


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
    _install_uvloop()
    log.info("bedrock emulator %s listening on http://%s:%d (%s)", __version__, args.host, args.port, settings)
    web.run_app(create_app(settings), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
