"""Grafana behind identity: not on the public path unless it has SSO, no anonymous access, no sign-up, no /metrics of
its own, secrets only from Secrets Manager (the admin password, the OIDC client secret), the same settings in
docker-compose; the variables refuse a public Grafana without SSO and a client secret that is not an ARN.

Failed before: the ALB forwarded /grafana and /grafana/* to everyone who came through CloudFront (origin header
only), WAF let /grafana through, and Grafana served its own /metrics (GF_METRICS_ENABLED unset: on by default).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .tflib import MODULES, REPO, TfDir

GRAFANA = MODULES / "grafana"
SSO = {
    "client_id": "grafana",
    "client_secret_arn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:llmgw-prod/grafana-oidc-AbCdEf",
    "auth_url": "https://idp.example.com/authorize",
    "token_url": "https://idp.example.com/token",
    "api_url": "https://idp.example.com/userinfo",
    "role_attribute_path": "contains(groups[*], 'grafana-admins') && 'Admin' || 'Viewer'",
}


def grafana_locals() -> dict:
    return {k: v for doc in TfDir.load(GRAFANA).docs.values() for b in doc.get("locals", []) for k, v in b.items()}


def test_the_task_definition_turns_off_anonymous_access_sign_up_and_metrics() -> None:
    env = grafana_locals()["environment"]
    for name in ("GF_AUTH_ANONYMOUS_ENABLED", "GF_USERS_ALLOW_SIGN_UP", "GF_METRICS_ENABLED"):
        assert f'{name} = "false"' in env, f"{name} must be false"
    # The SSO settings are merged before the content hashes and may not reopen any of them.
    assert env.index("local.sso_environment") > env.index("GF_METRICS_ENABLED")


def test_sso_maps_roles_strictly_and_turns_the_password_login_off() -> None:
    sso = str(grafana_locals()["sso_environment"])
    for name, value in {
        "GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_STRICT": "true", "GF_AUTH_GENERIC_OAUTH_USE_PKCE": "true",
        "GF_AUTH_DISABLE_LOGIN_FORM": "true", "GF_AUTH_BASIC_ENABLED": "false",
    }.items():  # fmt: skip
        assert f'{name} = "{value}"' in sso, name
    assert "CLIENT_SECRET" not in sso, "the client secret is never an environment value"


def test_secrets_come_only_from_secrets_manager() -> None:
    locals_ = grafana_locals()
    secrets = str(locals_["secrets"])
    assert "GF_SECURITY_ADMIN_PASSWORD" in secrets and "var.admin_password_secret_arn" in secrets
    assert "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET" in secrets and "var.sso.client_secret_arn" in secrets
    container = str(locals_["grafana_container"])
    assert "'secrets': '${local.secrets}'" in container
    module = TfDir.load(GRAFANA).module_calls["task"]
    assert module["secret_arns"] == "${[for s in local.secrets : s.valueFrom]}", "the execution role reads them all"


def test_compose_grafana_has_the_same_settings() -> None:
    compose = yaml.safe_load((REPO / "infra" / "docker-compose.yml").read_text())
    env = compose["services"]["grafana"]["environment"]
    assert {k: env[k] for k in ("GF_AUTH_ANONYMOUS_ENABLED", "GF_USERS_ALLOW_SIGN_UP", "GF_METRICS_ENABLED")} == {
        "GF_AUTH_ANONYMOUS_ENABLED": "false", "GF_USERS_ALLOW_SIGN_UP": "false", "GF_METRICS_ENABLED": "false",
    }  # fmt: skip
    assert env["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")


def test_the_edge_keeps_grafana_for_admins_unless_it_is_public() -> None:
    gateway = TfDir.load(MODULES / "gateway")
    alb = gateway.module_calls["alb"]["targets"]["grafana"]
    assert alb["public_rules"] == "${local.grafana_public ? [{path_patterns = local.grafana_paths}] : []}"
    assert alb["admin"] == {"priority": 25, "path_patterns": "${local.grafana_paths}"}
    cloudfront = gateway.module_calls["cloudfront"]
    assert cloudfront["public_path_prefixes"] == '${local.grafana_public ? ["/grafana"] : []}'
    locals_ = {k: v for doc in gateway.docs.values() for b in doc.get("locals", []) for k, v in b.items()}
    assert locals_["grafana_public"] == "${var.grafana.public}"
    assert gateway.module_calls["grafana"]["sso"] == "${var.grafana.sso}"
    # And the admin catch-all of LiteLLM comes after Grafana's rules, so an admin's /grafana reaches Grafana.
    litellm = gateway.module_calls["alb"]["targets"]["litellm"]
    assert litellm["admin"]["priority"] > alb["admin"]["priority"]
    assert "/grafana" not in (REPO / "infra" / "litellm" / "public-routes.yaml").read_text()


# --- the variables' validations, evaluated by the real terraform on a copy of variables.tf (no provider) -------


def console(module: Path, tmp_path: Path, expression: str, **variables: object) -> subprocess.CompletedProcess[str]:
    assert shutil.which("terraform"), "the terraform CLI (>= 1.11) is not on PATH"
    shutil.copy(module / "variables.tf", tmp_path / "variables.tf")
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps(variables))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")} | {
        "CHECKPOINT_DISABLE": "1",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        ["terraform", f"-chdir={tmp_path}", "console"], input=f"jsonencode({expression})\n",
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def diagnostics(result: subprocess.CompletedProcess[str]) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\x1b\[[0-9;]*m|[│╷╵]", " ", result.stderr))


def value(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stderr
    return json.loads(json.loads(result.stdout.strip().splitlines()[-1]))


GATEWAY_REQUIRED = {"environment": "prod", "edge": {"allow_plaintext_origin": True}}


def test_a_public_grafana_without_sso_is_refused(tmp_path: Path) -> None:
    result = console(MODULES / "gateway", tmp_path, "var.grafana", **GATEWAY_REQUIRED, grafana={"public": True})
    assert "grafana.public needs grafana.sso" in diagnostics(result), result.stderr
    ok = console(MODULES / "gateway", tmp_path, "var.grafana.public", **GATEWAY_REQUIRED,
                 grafana={"public": True, "sso": SSO})  # fmt: skip
    assert value(ok) is True
    default = console(MODULES / "gateway", tmp_path, "var.grafana", **GATEWAY_REQUIRED)
    assert value(default) == {"public": False, "sso": None}


GRAFANA_REQUIRED = {
    "name": "g", "init_image": "i", "cluster_arn": "c", "vpc_id": "v", "subnet_ids": [], "grafana_dir": ".",
    "alb": {"security_group_id": "s", "target_group_arn": "t"}, "public_url": "https://x.example.com",
    "config_bucket": {"id": "b", "arn": "arn:aws:s3:::b"}, "admin_password_secret_arn": "a",
    "victoriametrics": {"url": "http://vm:8428", "port": 8428, "security_group_id": "s"},
}  # fmt: skip


@pytest.mark.parametrize(
    ("sso", "message"),
    [
        ({**SSO, "client_secret_arn": "s3cr3t"}, "sso.client_secret_arn must be the ARN of a Secrets Manager secret"),
        ({**SSO, "auth_url": "http://idp.example.com/authorize"}, "must be https:// URLs"),
        ({**SSO, "role_attribute_path": " "}, "sso needs a client_id, a role_attribute_path"),
        ({**SSO, "scopes": ["email"]}, "sso needs a client_id, a role_attribute_path"),
    ],
)
def test_the_sso_variable_refuses_unsafe_values(tmp_path: Path, sso: dict, message: str) -> None:
    result = console(GRAFANA, tmp_path, "var.sso", **GRAFANA_REQUIRED, sso=sso)
    assert message in diagnostics(result), result.stderr


def test_a_valid_sso_is_accepted(tmp_path: Path) -> None:
    result = console(GRAFANA, tmp_path, "var.sso.scopes", **GRAFANA_REQUIRED, sso=SSO)
    assert value(result) == ["openid", "email", "profile"]
