"""Shared fixtures: the real Bedrock emulator and the real LiteLLM proxy, started once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import anthropic
import openai
import pytest

# LiteLLM must never reach for remote files, also when a test imports it in-process.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")

from bedrock_emulator.iam import DEFAULT_ACCOUNT
from llmgw import bedrock_policy
from llmgw.stack.procs import GATEWAY_REGION as REGION
from support.local_stack import LocalStack, run_local_stack
from support.stack import Gateway, run_emulator, run_gateway


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Logs and state of the processes the session starts (kept by pytest for post-mortems)."""
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def task_policy(run_dir: Path) -> Path:
    """The ECS task role's Bedrock policy, rendered from the template Terraform renders, for the emulator's region
    and account: every model call the session gateway makes is authorised against it (AccessDenied otherwise)."""
    return bedrock_policy.write_task_policy(run_dir / "task-policy.json", region=REGION, account_id=DEFAULT_ACCOUNT)


@pytest.fixture(scope="session")
def emulator_url(run_dir: Path, task_policy: Path) -> Iterator[str]:
    with run_emulator(run_dir, BEDROCK_EMULATOR_IAM_POLICY=str(task_policy)) as url:
        yield url


@pytest.fixture(scope="session")
def gateway(run_dir: Path, emulator_url: str) -> Iterator[Gateway]:
    """The gateway exactly as `make up` runs it: infra/litellm/config.yaml, callbacks/, one worker."""
    with run_gateway(run_dir, emulator_url) as gw:
        yield gw


@pytest.fixture(scope="session")
def oai(gateway: Gateway) -> openai.OpenAI:
    """The official OpenAI SDK pointed at the session gateway (no SDK retries: tests see every failure)."""
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=gateway.master_key, timeout=60, max_retries=0)


@pytest.fixture(scope="session")
def claude(gateway: Gateway) -> anthropic.Anthropic:
    """The official Anthropic SDK pointed at the session gateway."""
    return anthropic.Anthropic(base_url=gateway.url, api_key=gateway.master_key, timeout=60, max_retries=0)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The whole local stack exactly as `make up` runs it (honcho + Procfile): emulator, LiteLLM,
    VictoriaMetrics and vmalert on free ports. Yields a LocalStack (gateway_url, master_key, victoriametrics_url...)."""
    with run_local_stack(tmp_path_factory.mktemp("local-stack")) as stack:
        yield stack


# --- Parallel runs (make test: pytest-xdist, --dist loadfile) --------------------------------------------------------
# Each worker runs whole files, so a module's fixtures start once. The files below share one session stack (the
# observability stack: two gateways, VictoriaMetrics, vmalert, Alertmanager, traffic), so they run on one worker and
# that stack starts once per run, not once per worker. (pytest-xdist's own --dist loadgroup cannot do this here: it
# renames items through Node._nodeid, which pytest 9 no longer has, so it silently falls back to --dist load.)
ONE_WORKER_FILES = {
    "metrics_stack": (
        "tests/observability/test_alerts.py",
        "tests/observability/test_dashboards_live.py",
        "tests/observability/test_scrape_live.py",
    ),
}
_SCOPE_OF_FILE = {file: stack for stack, files in ONE_WORKER_FILES.items() for file in files}


def worker_scope(nodeid: str) -> str:
    """The unit a worker runs whole: the file, or the shared stack its file uses."""
    file = nodeid.split("::", 1)[0]
    return _SCOPE_OF_FILE.get(file, file)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """With --dist loadfile (make test) only; any other --dist keeps pytest-xdist's own scheduler."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_scope(nodeid)

    return FileScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files holding a test marked slow first: workers take files in collection order, so the long ones start at once
    and the short ones fill the gaps (else the run ends on one worker's long tail)."""
    slow = {worker_scope(item.nodeid) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: worker_scope(item.nodeid) not in slow)  # stable: each file keeps its own order
