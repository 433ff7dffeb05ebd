"""testinfra (local backend) checks of the running local stack: processes, listening ports, config files."""

from __future__ import annotations

import json
import urllib.parse

import boto3
import botocore.exceptions
import pytest
import testinfra
import yaml
from testinfra.host import Host

from bedrock_emulator.iam import DEFAULT_ACCOUNT
from llmgw import bedrock_policy
from llmgw.paths import CONFIG, REPO
from support.local_stack import LocalStack


@pytest.fixture(scope="module")
def host() -> Host:
    return testinfra.get_host("local://")


def port(url: str | None) -> int:
    assert url is not None
    p = urllib.parse.urlsplit(url).port
    assert p is not None, url
    return p


def test_processes_run(host: Host, local_stack: LocalStack) -> None:
    commands = [p.args for p in host.process.filter()]
    gateway_port = port(local_stack.gateway_url)

    def running(*needles: str) -> bool:
        return any(all(n in c for n in needles) for c in commands)

    assert running("litellm", "--config", str(CONFIG), f"--port {gateway_port}")
    assert running("bedrock_emulator", f"--port {port(local_stack.emulator_url)}")
    assert running("llmgw_callbacks.metrics_server", f"--port {port(local_stack.metrics_url)}")
    assert running("victoria-metrics", f"-httpListenAddr=127.0.0.1:{port(local_stack.victoriametrics_url)}")
    assert running("vmalert", f"-httpListenAddr=127.0.0.1:{port(local_stack.vmalert_url)}")
    assert running("prometheus-alertmanager", f"--web.listen-address=127.0.0.1:{port(local_stack.alertmanager_url)}")
    assert running("vmalert", f"-notifier.config={local_stack.run_dir / 'vmalert-notifier.yml'}")
    assert running("honcho")


@pytest.mark.parametrize(
    "name", ["gateway_url", "emulator_url", "metrics_url", "victoriametrics_url", "vmalert_url", "alertmanager_url"]
)
def test_ports_listen_on_loopback_only(host: Host, local_stack: LocalStack, name: str) -> None:
    p = port(getattr(local_stack, name))
    assert host.socket(f"tcp://127.0.0.1:{p}").is_listening
    assert not host.socket(f"tcp://0.0.0.0:{p}").is_listening, f"{name} must not listen on all interfaces"


def test_config_files_in_place(host: Host, local_stack: LocalStack) -> None:
    config = host.file(str(CONFIG))
    assert config.is_file
    settings = yaml.safe_load(config.content_string)
    assert settings["litellm_settings"]["require_auth_for_metrics_endpoint"] is True
    assert host.file(str(REPO / "callbacks" / "llmgw_callbacks" / "cost_metrics.py")).is_file

    scrape = host.file(str(local_stack.run_dir / "scrape.yml"))
    assert scrape.is_file
    assert f"127.0.0.1:{port(local_stack.metrics_url)}" in scrape.content_string, "the metrics server is scraped"
    assert "%{LLMGW_METRICS_TOKEN}" in scrape.content_string, "the token is expanded by VictoriaMetrics, not written"
    assert local_stack.master_key not in scrape.content_string

    key = host.file(str(local_stack.run_dir / "master_key"))
    assert key.is_file and key.mode == 0o600
    token = host.file(str(local_stack.run_dir / "metrics_token"))
    assert token.is_file and token.mode == 0o600
    assert token.content_string.strip() != local_stack.master_key


def test_the_emulator_enforces_the_task_roles_policy(local_stack: LocalStack) -> None:
    """make up's emulator authorises every call against the policy the ECS task role gets (rendered from the
    catalogue with Terraform's template): a profile the role does not name is refused like Bedrock refuses it."""
    policy = local_stack.run_dir / "task-policy.json"
    assert policy.read_text().strip() == bedrock_policy.task_policy_json(region="us-east-1", account_id=DEFAULT_ACCOUNT)
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=local_stack.emulator_url,
        region_name="us-east-1",
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
    )
    body = json.dumps(
        {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    )
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        client.invoke_model(modelId="us.anthropic.claude-haiku-5-5", body=body)  # not the catalogue's global.
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException", denied.value.response
    assert client.invoke_model(modelId="global.anthropic.claude-haiku-5-5", body=body)["body"].read()
