"""Alert delivery of the local stack: Alertmanager's config (infra/alertmanager/alertmanager.yml, plus the
webhook of LLMGW_ALERT_WEBHOOK_URL on the on-call receiver) and vmalert's notifier list, written into the run
directory before `make up` starts them."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from llmgw.paths import REPO

ALERTMANAGER_CONFIG = REPO / "infra" / "alertmanager" / "alertmanager.yml"
ON_CALL = "on-call"
# Debian/Ubuntu name the binary prometheus-alertmanager; upstream releases and Homebrew call it alertmanager.
ALERTMANAGER_BINARIES = ("prometheus-alertmanager", "alertmanager")


def alertmanager_binary() -> str | None:
    return next((found for name in ALERTMANAGER_BINARIES if (found := shutil.which(name))), None)


def alertmanager_config(webhook_urls: list[str], base: Path = ALERTMANAGER_CONFIG) -> str:
    """The repository's Alertmanager config with a webhook per URL on the on-call receiver."""
    config = yaml.safe_load(base.read_text())
    for url in webhook_urls:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"alert webhook URL must start with http:// or https://: {url!r}")
    receiver = next(r for r in config["receivers"] if r["name"] == ON_CALL)
    if webhook_urls:
        receiver["webhook_configs"] = [{"url": url, "send_resolved": True} for url in webhook_urls]
    return yaml.safe_dump(config, sort_keys=False)


def notifier_config(alertmanager_port: int | None) -> str:
    """vmalert's -notifier.config: the local Alertmanager, or no target (vmalert 1.79 needs a notifier list)."""
    targets = [f"127.0.0.1:{alertmanager_port}"] if alertmanager_port else []
    return yaml.safe_dump({"static_configs": [{"targets": targets}]}, sort_keys=False)


def write_configs(run_dir: Path, alertmanager_port: int | None, webhook_urls: list[str]) -> None:
    """RUN_DIR/alertmanager.yml and RUN_DIR/vmalert-notifier.yml, what the Procfile's processes read."""
    if alertmanager_port:
        (run_dir / "alertmanager.yml").write_text(alertmanager_config(webhook_urls))
    (run_dir / "vmalert-notifier.yml").write_text(notifier_config(alertmanager_port))
