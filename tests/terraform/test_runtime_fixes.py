"""What broke once the stack was up (issue 14), each pinned by a check of the Terraform that failed before the fix:
Grafana's CSRF origin behind CloudFront, keep-alive vs the ALB idle timeout, WAF body rules that prompts trip,
per-key rate limits, IPv6 admin clients, destroy (Cloud Map, snapshot names), HTTPS origin in prod, timeouts
end to end. Variable validations are evaluated by the real terraform (variables need no provider)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
import yaml

from .tflib import ENVIRONMENTS, MODULES, REPO, TfDir, unquote

TERRAFORM = shutil.which("terraform")


def locals_of(module: str) -> dict:
    return {
        k: v for doc in TfDir.load(MODULES / module).docs.values() for b in doc.get("locals", []) for k, v in b.items()
    }


def resources(module: str) -> dict[tuple[str, str], dict]:
    return {(t, n): b for _, t, n, b in TfDir.load(MODULES / module).resources()}


def web_acl_rules() -> list[dict]:
    acl = resources("cloudfront")[("aws_wafv2_web_acl", "this")]
    return acl["rule"] + [d['"rule"']["content"][0] for d in acl.get("dynamic", []) if '"rule"' in d]


def test_grafana_trusts_the_public_origin() -> None:
    """CloudFront sends Origin: https://<public host> but Host: <origin name>; without the public host as trusted
    origin, Grafana answers every POST after login with 403 'origin not allowed'."""
    loc = locals_of("grafana")
    assert "GF_SECURITY_CSRF_TRUSTED_ORIGINS = local.public_host," in loc["environment"]
    assert loc["public_host"] == '${split("/", trimprefix(var.public_url, "https://"))[0]}'
    policy = resources("cloudfront")[("aws_cloudfront_distribution", "this")]["default_cache_behavior"][0]
    assert policy["origin_request_policy_id"] == "${data.aws_cloudfront_origin_request_policy.all_viewer.id}"


def test_litellm_keep_alive_outlasts_the_alb_idle_timeout() -> None:
    loc = locals_of("litellm-service")
    env = loc["environment"]
    assert "KEEPALIVE_TIMEOUT = tostring(var.alb.idle_timeout + local.keepalive_margin)" in str(env)
    assert loc["keepalive_margin"] > 0
    gateway = TfDir.load(MODULES / "gateway").module_calls["litellm"]
    assert gateway["alb"]["idle_timeout"] == "${module.alb.idle_timeout}"
    assert TfDir.load(MODULES / "alb").outputs["idle_timeout"]["value"] == "${aws_lb.this.idle_timeout}"


def test_waf_counts_the_known_bad_inputs_body_rules() -> None:
    """Prompts of a coding assistant contain '${jndi:' and serialized Java; the body rules count, the rest blocks."""
    default = TfDir.load(MODULES / "cloudfront").variables["known_bad_inputs_count_overrides"].body["default"]
    assert {unquote(r) for r in default} == {"Log4JRCE_BODY", "JavaDeserializationRCE_BODY"}
    (kbi,) = [r for r in web_acl_rules() if unquote(r["name"]) == "aws-known-bad-inputs"]
    group = kbi["statement"][0]["managed_rule_group_statement"][0]
    assert "var.known_bad_inputs_count_overrides" in str(group["dynamic"])


def test_rate_limits_are_per_api_key_with_a_loose_per_ip_backstop() -> None:
    rules = {unquote(r["name"]): r for r in web_acl_rules() if "rate" in str(r["name"])}
    per_ip = rules["rate-limit-per-ip"]["statement"][0]["rate_based_statement"][0]
    assert per_ip["limit"] == "${var.rate_limit_per_ip_per_5min}"
    cf = TfDir.load(MODULES / "cloudfront").variables
    assert cf["rate_limit_per_ip_per_5min"].body["default"] >= 20000
    keyed = locals_of("cloudfront")["key_headers"]
    assert set(keyed.values()) == {'"authorization"', '"x-api-key"'}
    (dynamic,) = [r for r in web_acl_rules() if r["name"] == "${rule.key}"]
    stmt = dynamic["statement"][0]["rate_based_statement"][0]
    assert (
        unquote(stmt["aggregate_key_type"]) == "CUSTOM_KEYS" and stmt["limit"] == "${var.rate_limit_per_key_per_5min}"
    )
    assert stmt["custom_key"][0]["header"][0]["name"] == "${rule.value}"


def test_admin_clients_may_be_ipv6() -> None:
    res = resources("cloudfront")
    assert unquote(res[("aws_wafv2_ip_set", "admin_ipv6")]["ip_address_version"]) == "IPV6"
    assert res[("aws_wafv2_ip_set", "admin_ipv6")]["addresses"] == "${local.admin_ipv6}"
    assert res[("aws_wafv2_ip_set", "admin")]["addresses"] == "${local.admin_ipv4}"
    assert "aws_wafv2_ip_set.admin_ipv6.arn" in str(web_acl_rules())


def test_destroy_works_twice() -> None:
    for module in ("litellm-service", "victoriametrics"):
        assert resources(module)[("aws_service_discovery_service", "this")]["force_destroy"] is True, module
    db = resources("rds-postgres")
    snapshot = unquote(db[("aws_db_instance", "this")]["final_snapshot_identifier"])
    assert snapshot == "${var.name}-final-${random_id.final_snapshot.hex}"
    assert ("random_id", "final_snapshot") in db


def test_litellm_timeouts_stay_below_the_committed_origin_read_timeout() -> None:
    config = yaml.safe_load((REPO / "infra/litellm/config.yaml").read_text())
    timeouts = [
        config["litellm_settings"]["request_timeout"],
        config["router_settings"]["timeout"],
        config["router_settings"]["stream_timeout"],
    ]
    for env in ("dev", "prod"):
        with (ENVIRONMENTS / env / f"{env}.auto.tfvars").open() as f:
            read_timeout = hcl2.load(f)["origin_read_timeout"]
        assert read_timeout <= 180 and max(timeouts) < read_timeout, (env, read_timeout, timeouts)
    gateway_url = TfDir.load(MODULES / "gateway").outputs["gateway_url"]
    assert gateway_url["precondition"][0]["condition"] == "${local.timeouts_fit_the_edge}"


ALERTING = {"runbook_base_url": "https://github.com/example-org/llm-gateway/blob/main/docs/runbooks"}


def plan_gateway_variables(tmp_path: Path, edge: dict) -> subprocess.CompletedProcess[str]:
    """The gateway module's variables.tf alone, planned by the real terraform with the given edge object."""
    assert TERRAFORM, "the terraform CLI (>= 1.11) is not on PATH"
    shutil.copy(MODULES / "gateway" / "variables.tf", tmp_path / "variables.tf")
    variables = {"environment": "prod", "edge": edge, "alerting": ALERTING}
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps(variables))
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
    for args in (["init", "-input=false"], ["plan", "-input=false"]):
        proc = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        if proc.returncode != 0:
            break
    return proc


HTTPS = {
    "origin_certificate_arn": "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-0000-1111-2222-333344445555",
    "origin_domain_name": "origin.llm.example.com",
}


@pytest.mark.parametrize(
    ("edge", "refused"),
    [
        pytest.param({}, "must be HTTPS", id="plaintext-by-default-refused"),
        pytest.param({"allow_plaintext_origin": True}, None, id="plaintext-explicitly-allowed"),
        pytest.param(HTTPS, None, id="https-origin"),
        pytest.param({**HTTPS, "origin_certificate_arn": "not-an-arn"}, "ACM certificate ARN", id="bad-certificate"),
        pytest.param({"origin_domain_name": "origin.example.com"}, "set together", id="domain-without-cert"),
        pytest.param({**HTTPS, "custom_domain": {"name": "origin.llm.example.com", "route53_zone_id": "Z1"}},
                     "must differ", id="origin-is-the-custom-domain"),
    ],
)  # fmt: skip
def test_edge_inputs_that_are_wrong_together_are_refused(tmp_path: Path, edge: dict, refused: str | None) -> None:
    proc = plan_gateway_variables(tmp_path, edge)
    message = " ".join((proc.stdout + proc.stderr).split())
    if refused is None:
        assert proc.returncode == 0, message
    else:
        assert proc.returncode != 0 and refused in message, message


def test_prod_does_not_allow_a_plaintext_origin() -> None:
    prod = (ENVIRONMENTS / "prod" / "main.tf").read_text()
    dev = (ENVIRONMENTS / "dev" / "main.tf").read_text()
    assert "allow_plaintext_origin" not in prod and "allow_plaintext_origin = true" in dev
