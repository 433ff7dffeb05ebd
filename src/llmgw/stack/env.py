"""What the local stack and the test fixtures share: the Procfile commands and the LiteLLM environment."""

from __future__ import annotations

import os
from pathlib import Path

from llmgw.paths import REPO, VENV_BIN

# Environment every LiteLLM process gets, locally, in tests, in docker-compose and on ECS
# (infra/docker-compose.yml and the Terraform task definition set the same values; a test checks it).
LITELLM_BASE_ENV: dict[str, str] = {
    "LITELLM_MODE": "PRODUCTION",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
    "LITELLM_LOG": "ERROR",
    "JSON_LOGS": "True",
    "DISABLE_SCHEMA_UPDATE": "True",
    # A client that leaves a /v1/messages stream: LiteLLM 1.106.2 otherwise keeps reading Bedrock to the end (up
    # to 100 such drains per worker) and bills all of it; with 0 it closes the Bedrock stream, so generation stops,
    # and bills the partial usage (docs/reliability.md, tests/gateway/test_abandoned_streams.py).
    "ANTHROPIC_MESSAGES_MAX_DETACHED_STREAM_DRAINS": "0",
    # With several workers, uvicorn 0.54's supervisor pings each worker every 0.5 s and kills one that does not
    # answer within timeout_worker_healthcheck (default 5 s). A worker answers only once multiprocessing's spawn has
    # re-imported LiteLLM, which takes longer than 5 s on a busy task: the worker is killed and spawned again,
    # forever, at start, after a crash and after max_requests_before_restart (seen on 2 cores at load 3-8: a
    # 2-worker gateway never ready in 240 s; tests/callbacks/test_worker_death.py starts each worker 8 s late).
    # LiteLLM's --timeout_worker_healthcheck reads this variable. The price: a worker frozen so that no thread can
    # answer, or one that dies while the supervisor awaits its answer (uvicorn keeps its end of the pipe open, so
    # the ping waits it out), is replaced after this long instead of 5 s; any other dead worker is replaced at once.
    "TIMEOUT_WORKER_HEALTHCHECK": "120",
}


def procfile_commands(path: Path = REPO / "Procfile") -> dict[str, str]:
    """name -> shell command, the way honcho reads the Procfile."""
    commands: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        commands[name.strip()] = command.strip()
    return commands


def process_env(**extra: str) -> dict[str, str]:
    """The caller's environment with the venv on PATH and the emulator and callbacks on PYTHONPATH, the way the
    stock image loads the callbacks (so a LiteLLM of another virtualenv, bench --alt-venv, finds them too)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "emulator"), str(REPO / "callbacks")])
    env.update(extra)
    return env
