"""The VictoriaMetrics task renders the shared scrape template with exactly the contract's variables, and the
result (rendered by the real terraform binary's templatefile()) is accepted by VictoriaMetrics with every %{NAME}
placeholder provided by the task definition."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .tflib import MODULES, REPO, TfDir

TEMPLATE = REPO / "infra" / "victoriametrics" / "scrape.yml.tftpl"
VM_MODULE = MODULES / "victoriametrics"
CONTRACT_VARS = {"scrape_interval", "static_targets", "dns_sd_names", "dns_sd_port", "environment",
                 "broker_targets", "broker_dns_sd_names", "broker_port"}  # fmt: skip


def vm_locals() -> dict:
    return {k: v for doc in TfDir.load(VM_MODULE).docs.values() for b in doc.get("locals", []) for k, v in b.items()}


def test_module_passes_exactly_the_contract_variables() -> None:
    call = vm_locals()["scrape_config"]
    assert call.startswith("${templatefile(var.scrape_template, {")
    passed = set(re.findall(r"\b([a-z_]+) = ", call))
    assert passed == CONTRACT_VARS
    assert "static_targets = []" in call
    assert "broker_targets = []" in call  # on ECS the broker is found by DNS (broker_dns_sd_names)
    assert 'dns_sd_names = ["${var.litellm.service_discovery_name}.${var.service_discovery_namespace_name}"]' in call
    assert "dns_sd_port = var.litellm.port" in call and "environment = var.environment" in call
    assert 'broker_dns_sd_names = var.key_broker == null ? [] : ["${var.key_broker.service_discovery_name}.' in call
    gateway = (MODULES / "gateway" / "main.tf").read_text()
    assert 'scrape_template = "${local.repo}/infra/victoriametrics/scrape.yml.tftpl"' in gateway


def render_with_terraform(tmp_path: Path) -> str:
    terraform = shutil.which("terraform")
    assert terraform, "the terraform CLI is not on PATH"
    assert TEMPLATE.is_file(), f"{TEMPLATE} missing (owned by the observability work)"
    expr = (
        f'templatefile("{TEMPLATE}", {{ scrape_interval = "15s", static_targets = [], '
        'dns_sd_names = ["litellm.llmgw-dev.internal"], dns_sd_port = 4000, environment = "dev", '
        'broker_targets = [], broker_dns_sd_names = ["key-broker.llmgw-dev.internal"], broker_port = 4020 })'
    )
    proc = subprocess.run([terraform, "console"], input=expr, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    assert out.startswith("<<EOT") and out.endswith("EOT"), out[:200]
    return out.split("\n", 1)[1].rsplit("\n", 1)[0] + "\n"


def test_rendered_config_scrapes_every_task_with_the_token(tmp_path: Path) -> None:
    rendered = render_with_terraform(tmp_path)
    config = yaml.safe_load(rendered)
    (litellm,) = [j for j in config["scrape_configs"] if j["job_name"] == "litellm"]
    assert litellm["metrics_path"] == "/metrics/"
    assert litellm["dns_sd_configs"] == [{"names": ["litellm.llmgw-dev.internal"], "type": "A", "port": 4000}]
    assert "static_configs" not in litellm
    assert litellm["bearer_token"] == "%{LLMGW_METRICS_TOKEN}"
    (broker,) = [j for j in config["scrape_configs"] if j["job_name"] == "key-broker"]
    assert broker["dns_sd_configs"] == [{"names": ["key-broker.llmgw-dev.internal"], "type": "A", "port": 4020}]

    # Every placeholder is set by the ECS task definition (environment or secrets of the VM container).
    placeholders = set(re.findall(r"%\{([A-Z0-9_]+)\}", rendered))
    container = str(vm_locals()["vm_container"])
    provided = set(re.findall(r"'name': '\"([A-Z0-9_]+)\"'", container))
    assert placeholders <= provided, f"not provided to the VictoriaMetrics container: {placeholders - provided}"

    binary = shutil.which("victoria-metrics")
    if binary is None:
        pytest.fail("victoria-metrics is not installed (tools/bootstrap.sh system)")
    path = tmp_path / "scrape.yml"
    path.write_text(rendered)
    env = dict(os.environ, **{name: "placeholder-value:1" for name in placeholders})
    proc = subprocess.run(
        [binary, "-dryRun", f"-promscrape.config={path}", "-promscrape.config.strictParse=true"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def resolved_command(container: str, tmp_path: Path, rendered_config: Path) -> list[str]:
    """The container's command from the module, with its Terraform references replaced by local values."""
    local = vm_locals()
    values = {
        "${local.data_dir}": str(tmp_path / "data"),
        "${local.config_dir}/scrape.yml": str(rendered_config),
        "${local.rules_dir}/*.yml": str(REPO / "infra" / "grafana" / "alerts" / "*.yml"),
        "${var.retention_period}": "30d",
        "${local.port}": str(local["port"]),
        "${local.vmalert_port}": str(local["vmalert_port"]),
        "${local.alertmanager_port}": str(local["alertmanager_port"]),
        "${var.alerting.runbook_base_url}": "https://github.com/example-org/llm-gateway/blob/main/docs/runbooks",
    }
    command = []
    for arg in local[container]["command"]:
        arg = arg.strip('"')
        for ref, value in values.items():
            arg = arg.replace(ref, value)
        assert "${" not in arg, f"unresolved reference in {container}: {arg}"
        command.append(arg)
    return command


@pytest.mark.parametrize(("container", "binary_name"), [("vm_container", "victoria-metrics"),
                                                         ("vmalert_container", "vmalert")])  # fmt: skip
def test_task_flags_are_accepted_by_the_real_binaries(container: str, binary_name: str, tmp_path: Path) -> None:
    """Every flag the ECS task passes exists (a misspelt flag stops the container at start): the Debian binaries
    parse the whole command line in -dryRun mode, which also validates the scrape config and the alert rules."""
    binary = shutil.which(binary_name)
    if binary is None:
        pytest.fail(f"{binary_name} is not installed (tools/bootstrap.sh system)")
    config = tmp_path / "scrape.yml"
    rendered = render_with_terraform(tmp_path)
    config.write_text(rendered)
    env = dict(os.environ, **{name: "placeholder-value:1" for name in re.findall(r"%\{([A-Z0-9_]+)\}", rendered)})
    proc = subprocess.run([binary, "-dryRun", *resolved_command(container, tmp_path, config)],
                          capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
