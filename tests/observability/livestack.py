"""What the observability tests share: the live metrics stack's handle and the identity gateway's config."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from llmgw.paths import CONFIG
from llmgw_callbacks.labels import pseudonym
from observability import traffic
from observability.vmstack import VictoriaMetrics, VmAlert
from support.stack import Gateway, MetricsServer

HERE = Path(__file__).resolve().parent


@dataclass
class MetricsStack:
    vm: VictoriaMetrics
    vmalert: VmAlert
    gateway: Gateway  # the session gateway: the repository config as is, master key only
    identity_gateway: Gateway  # same config + a test custom_auth giving users, teams, keys and budgets
    metrics_servers: list[MetricsServer]  # one beside each gateway: what VictoriaMetrics scrapes
    dead_target: str  # a scrape target where nothing listens (a task that died)
    started: float  # epoch seconds when VictoriaMetrics started
    traffic: traffic.TrafficReport
    run_dir: Path


# The identity gateway labels users with pseudonyms, as a deployment does by default; the tests know its salt.
LABEL_SALT = "observability-test-label-salt"
ALICE = pseudonym("alice", LABEL_SALT)  # alice's user label


def identity_config(directory: Path) -> Path:
    """infra/litellm/config.yaml plus `general_settings.custom_auth` (and the auth module next to it)."""
    directory.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load(CONFIG.read_text())
    config["general_settings"]["custom_auth"] = "identity_auth.user_api_key_auth"
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy(HERE / "identity_auth.py", directory / "identity_auth.py")
    return path
