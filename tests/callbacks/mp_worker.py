"""One "worker process" of the multiprocess tests: records events through the callback and exits.

Started by test_multiprocess.py with ``PROMETHEUS_MULTIPROC_DIR`` and ``LLMGW_MAX_SERIES_PER_METRIC`` in its
environment, exactly like a LiteLLM worker, and callbacks/ + tests/ on ``PYTHONPATH``; prints its pid as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

from litellm.proxy._types import UserAPIKeyAuth
from prometheus_client import CollectorRegistry

from callbacks.slp_factory import success_kwargs
from llmgw_callbacks.cost_metrics import CostMetricsLogger
from llmgw_callbacks.metrics import Metrics
from llmgw_callbacks.settings import Settings


async def main(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    assert settings.multiproc_dir, "PROMETHEUS_MULTIPROC_DIR must be set"
    logger = CostMetricsLogger(settings=settings, metrics=Metrics(settings, CollectorRegistry()))
    caller = UserAPIKeyAuth(user_id="alice", request_route="/v1/chat/completions")
    for user in args.users.split(","):
        for _ in range(args.repeat):
            kwargs = success_kwargs(
                user=user,
                cost=args.cost,
                input_tokens=10,
                output_tokens=3,
                key_spend=args.key_ratio,
                key_max_budget=1.0,
            )
            await logger.async_log_success_event(kwargs, None, None, None)
    for i in range(args.open_requests):
        await logger.async_pre_call_hook(caller, None, {"litellm_call_id": f"{os.getpid()}-{i}"}, "acompletion")
    for i in range(args.finished_requests):
        call_id = f"{os.getpid()}-done-{i}"
        await logger.async_pre_call_hook(caller, None, {"litellm_call_id": call_id}, "acompletion")
        kwargs = success_kwargs(call_id=call_id, cost=0.0, input_tokens=10, output_tokens=3)
        await logger.async_log_success_event(kwargs, None, None, None)
    print(json.dumps({"pid": os.getpid()}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cost", type=float, default=0.25)
    parser.add_argument("--key-ratio", type=float, default=0.0)
    parser.add_argument("--open-requests", type=int, default=0)
    parser.add_argument("--finished-requests", type=int, default=0)
    asyncio.run(main(parser.parse_args()))
