"""Alerts on ECS reach the on-call (offline checks of the Terraform): vmalert notifies the Alertmanager sidecar
(never -notifier.blackhole), every alert links its runbook under alerting.runbook_base_url, Alertmanager uses the
repository's route and publishes to the alert topic with the task role, webhook URLs come from Secrets Manager and
never appear in the task definition. The topic itself: modules/alerting/tests/alerting.tftest.hcl (CI's terraform
job)."""

from __future__ import annotations

from .tflib import MODULES, TfDir, unquote, versions_env


def module_locals(name: str) -> dict:
    docs = TfDir.load(MODULES / name).docs.values()
    return {k: v for doc in docs for block in doc.get("locals", []) for k, v in block.items()}


def test_vmalert_notifies_the_alertmanager_sidecar_with_absolute_runbook_links() -> None:
    local = module_locals("victoriametrics")
    command = [unquote(a) for a in local["vmalert_container"]["command"]]
    assert "-notifier.blackhole" not in command
    assert "-notifier.url=http://localhost:${local.alertmanager_port}" in command
    assert "-external.label=runbook_base_url=${var.alerting.runbook_base_url}" in command


def test_alertmanager_publishes_to_the_topic_and_reads_webhooks_from_secrets() -> None:
    local = module_locals("victoriametrics")
    on_call = str(local["on_call"])
    assert "var.alerting.sns_topic_arn" in on_call and "sigv4" in on_call
    assert "url_file" in on_call and "api_url_file" in on_call, "webhook URLs are read from files, never inlined"
    container = str(local["alertmanager_container"])
    assert "secrets" in container and "valueFrom" in container and "ALERTMANAGER_CONFIG_ETAG" in container
    assert "yamldecode(var.alertmanager_config)" in str(local["alertmanager_repo"])
    main = (MODULES / "victoriametrics" / "main.tf").read_text()
    assert "sns_topic_arns     = [var.alerting.sns_topic_arn]" in main
    assert "local.alertmanager_container]" in main


def test_the_task_role_may_publish_only_to_the_alert_topic() -> None:
    iam = (MODULES / "iam" / "main.tf").read_text()
    assert 'actions   = ["sns:Publish"]' in iam and "resources = var.sns_topic_arns" in iam


def test_alertmanager_image_is_the_versions_env_pin() -> None:
    variables = TfDir.load(MODULES / "victoriametrics").variables
    assert unquote(variables["alertmanager_image"].body["default"]) == versions_env()["ALERTMANAGER_IMAGE"]


def test_the_gateway_wires_the_topic_into_the_victoriametrics_task() -> None:
    gateway = (MODULES / "gateway" / "main.tf").read_text()
    assert 'source = "../alerting"' in gateway
    assert "sns_topic_arn            = module.alerting.topic_arn" in gateway
    assert "alertmanager_config              = file(local.alertmanager)" in gateway
