"""The LiteLLM task definition agrees with the rest of the repository: environment = llmgw.stack.env,
image = versions.env, Bedrock access = models.yaml, secrets only through `secrets`, config/callbacks paths and etags."""

from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

from llmgw.paths import CONFIG
from llmgw.stack.env import LITELLM_BASE_ENV

from .tflib import MODULES, REPO, TfDir, parse, unquote, versions_env

MODULE = MODULES / "litellm-service"


def module_locals(module: Path) -> dict:
    merged: dict = {}
    for doc in TfDir.load(module).docs.values():
        for block in doc.get("locals", []):
            merged.update({k: v for k, v in block.items() if not k.startswith("__")})
    return merged


def variable_default(module: Path, name: str):
    return TfDir.load(module).variables[name].body["default"]


def test_task_environment_has_the_shared_base_env() -> None:
    base = {k: unquote(v) for k, v in module_locals(MODULE)["litellm_base_env"].items()}
    assert base == LITELLM_BASE_ENV
    env = module_locals(MODULE)["environment"]
    assert "local.litellm_base_env" in env and "PROMETHEUS_MULTIPROC_DIR" in env and "AWS_REGION" in env


def test_secrets_are_never_in_the_environment() -> None:
    loc = module_locals(MODULE)
    env_text = str(loc["environment"]) + str(loc["app_database_env"]) + str(loc["master_database_env"])
    secret_text = str(loc["secrets"]) + str(loc["master_database_secrets"])
    for name in ("LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "DATABASE_PASSWORD", "DATABASE_USERNAME", "REDIS_PASSWORD"):
        assert name in secret_text and name not in env_text, name
    assert not re.search(r"(KEY|PASSWORD|TOKEN|SECRET)\b", env_text.replace("secret_arn", "")), env_text
    container = str(loc["litellm_container"])
    assert "local.secrets_list" in container and "local.env_list" in container
    assert "valueFrom" in str(loc["secrets_list"])


def test_image_defaults_are_versions_env() -> None:
    pins = versions_env()
    image = variable_default(MODULE, "image")
    assert image == {}, "repository/tag defaults live in the object type's optional() defaults"
    type_expr = str(TfDir.load(MODULE).variables["image"].body["type"])
    assert f'optional(string, "{pins["LITELLM_IMAGE"]}")' in type_expr
    assert f'optional(string, "{pins["LITELLM_IMAGE_TAG"]}")' in type_expr
    gateway_type = str(TfDir.load(MODULES / "gateway").variables["litellm"].body["type"])
    assert f'image_repository = optional(string, "{pins["LITELLM_IMAGE"]}")' in gateway_type
    assert f'image_tag = optional(string, "{pins["LITELLM_IMAGE_TAG"]}")' in gateway_type
    assert unquote(variable_default(MODULES / "grafana", "image")) == pins["GRAFANA_IMAGE"]
    assert unquote(variable_default(MODULES / "victoriametrics", "image")) == pins["VICTORIAMETRICS_IMAGE"]
    assert unquote(variable_default(MODULES / "victoriametrics", "vmalert_image")) == pins["VMALERT_IMAGE"]


def test_bedrock_access_comes_from_the_model_catalogue() -> None:
    """The task role's Bedrock policy is rendered from infra/litellm/models.yaml (modules/model-catalogue, the only
    Terraform that reads it); tests/terraform/test_bedrock_policy.py checks the policy itself."""
    assert "bedrock_inference_profile_ids" not in TfDir.load(MODULE).variables
    assert TfDir.load(MODULE).variables["bedrock_policy_json"].required
    readers = [p for p in MODULES.rglob("*.tf") if re.search(r"file\([^\n]*models\.yaml", p.read_text())]
    assert readers == [MODULES / "model-catalogue" / "main.tf"], readers


def test_config_and_callbacks_are_delivered_to_the_contract_paths() -> None:
    loc = module_locals(MODULE)
    assert unquote(loc["config_dir"]) == "/etc/litellm"
    assert unquote(loc["callbacks_path"]) == "/etc/litellm/callbacks"
    env = str(loc["environment"])
    assert "PYTHONPATH = local.callbacks_path" in env and "PROMETHEUS_MULTIPROC_DIR = local.multiproc_dir" in env
    assert loc["litellm_args"] == [
        '"--config"', '"${local.config_dir}/config.yaml"', '"--port"', "${tostring(local.port)}",
        '"--num_workers"', "${tostring(var.workers_per_task)}",
    ]  # fmt: skip
    assert loc["port"] == 4000
    hashes = loc["content_hashes"]
    assert hashes["CONFIG_ETAG"] == "${aws_s3_object.config.source_hash}"
    assert "aws_s3_object.callbacks[f].source_hash" in hashes["CALLBACKS_ETAG"]
    assert {
        "sourceVolume": '"prometheus-multiproc"',
        "containerPath": "${local.multiproc_dir}",
        "readOnly": False,
    } in loc["litellm_container"]["mountPoints"]
    gateway = parse(MODULES / "gateway" / "main.tf")
    gw_locals = {k: v for b in gateway["locals"] for k, v in b.items()}
    assert gw_locals["config_file"].endswith('/infra/litellm/config.yaml"')
    repo_from_module = (MODULES / "gateway" / "../../../..").resolve()
    assert repo_from_module == REPO
    assert (repo_from_module / "infra/litellm/config.yaml").resolve() == CONFIG.resolve()


def test_migrations_run_before_the_gateway_with_schema_updates_enabled() -> None:
    loc = module_locals(MODULE)
    migrate = str(loc["migrate_container"])
    assert "--skip_server_startup" in migrate and "local.migrate_env_list" in migrate
    assert 'DISABLE_SCHEMA_UPDATE = "False"' in str(loc["migrate_environment"])
    depends = str(loc["litellm_container"]["dependsOn"])
    assert "migrate" in depends and "db-user" in depends and "SUCCESS" in depends


def test_service_is_resilient_and_scraped_per_task() -> None:
    d = TfDir.load(MODULE)
    resources = {(t, n): b for _, t, n, b in d.resources()}
    shared = {(t, n): b for _, t, n, b in TfDir.load(MODULES / "fargate-service").resources()}
    service = shared[("aws_ecs_service", "this")]
    breaker = service["deployment_circuit_breaker"][0]
    assert breaker["enable"] is True and breaker["rollback"] is True
    assert d.module_calls["task"]["service"]["registry_arn"] == "${aws_service_discovery_service.this.arn}"
    dns = resources[("aws_service_discovery_service", "this")]["dns_config"][0]["dns_records"][0]
    assert unquote(dns["type"]) == "A"
    policies = {n: b["target_tracking_scaling_policy_configuration"][0] for (t, n), b in resources.items()
                if t == "aws_appautoscaling_policy"}  # fmt: skip
    assert set(policies) == {"cpu", "in_flight"}
    cpu = policies["cpu"]["predefined_metric_specification"][0]
    assert unquote(cpu["predefined_metric_type"]) == "ECSServiceAverageCPUUtilization"
    # Issue 14: 3,000 requests/min per task never triggered for LLM traffic. In-flight = rate x response time,
    # with a target a task actually reaches (tens of concurrent requests).
    metrics = policies["in_flight"]["customized_metric_specification"][0]["metrics"]
    by_id = {unquote(m["id"]): m for m in metrics}
    assert unquote(by_id["in_flight"]["expression"]) == "requests / 60 * latency" and by_id["in_flight"]["return_data"]
    names = {unquote(m["metric_stat"][0]["metric"][0]["metric_name"]) for m in metrics if "metric_stat" in m}
    assert names == {"RequestCountPerTarget", "TargetResponseTime"}
    assert policies["in_flight"]["target_value"] == "${var.autoscaling.in_flight_per_task}"
    assert "in_flight_per_task = optional(number, 40)" in d.variables["autoscaling"].body["type"]
    stop = d.variables["stop_timeout"].body
    assert stop["default"] == 120 and "120" in str(stop["validation"])


def test_migrations_assemble_database_url_from_the_task_variables() -> None:
    """The migrate container passes DATABASE_HOST/NAME (environment) and DATABASE_USERNAME/PASSWORD (secrets of the
    RDS-managed master secret) instead of a DATABASE_URL copy of the rotated password; the installed LiteLLM builds
    the URL, percent-encoding it. (The gateway container uses IAM tokens instead: test_database_user.py.)"""
    from litellm.proxy.utils import construct_database_url_from_env_vars

    loc = module_locals(MODULE)
    env_names = set(loc["master_database_env"])
    secret_names = set(loc["master_database_secrets"])
    assert env_names == {"DATABASE_HOST", "DATABASE_NAME"}
    assert secret_names == {"DATABASE_USERNAME", "DATABASE_PASSWORD"}
    values = {
        "DATABASE_HOST": "db.example.internal:5432",
        "DATABASE_NAME": "litellm",
        "DATABASE_USERNAME": "litellm",
        "DATABASE_PASSWORD": "p@ss:w/rd#?%",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    with mock.patch.dict(os.environ, {**clean, **values}, clear=True):
        url = construct_database_url_from_env_vars()
    assert url is not None and url.startswith(
        "postgresql://litellm:p%40ss%3Aw%2Frd%23%3F%25@db.example.internal:5432/litellm"
    )
