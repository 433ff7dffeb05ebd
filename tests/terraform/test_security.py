"""Security properties read from the code: network exposure, the CloudFront/WAF/ALB edge, secrets handling, IAM."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .tflib import ENVIRONMENTS, MODULES, TF_ROOT, TfDir, is_block_list, module_dirs, parse, tf_dirs, unquote

SG_TYPES = {"aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"}


def all_resources(type_name: str) -> list[tuple[Path, str, dict]]:
    found = []
    for d in tf_dirs():
        for file, rtype, name, body in TfDir.load(d).resources():
            if rtype == type_name:
                found.append((file, name, body))
    return found


def test_no_ingress_from_anywhere() -> None:
    rules = all_resources("aws_vpc_security_group_ingress_rule")
    assert len(rules) >= 8
    for file, name, body in rules:
        cidr4, cidr6 = unquote(body.get("cidr_ipv4", "")), unquote(body.get("cidr_ipv6", ""))
        assert cidr4 != "0.0.0.0/0" and cidr6 != "::/0", f"{file}: {name} admits the whole internet"
        sources = [k for k in ("cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id") if k in body]
        assert len(sources) == 1, f"{file}: {name} needs exactly one source, has {sources}"


def test_only_the_alb_admits_an_outside_source_and_only_cloudfront() -> None:
    outside = []
    for file, name, body in all_resources("aws_vpc_security_group_ingress_rule"):
        if "referenced_security_group_id" in body:
            continue
        outside.append((file.parent.name, name, body))
    by_module = {(m, n) for m, n, _ in outside}
    assert by_module == {("alb", "from_cloudfront"), ("network", "endpoints_https")}, by_module
    for module, _, body in outside:
        if module == "alb":
            assert body["prefix_list_id"] == "${data.aws_ec2_managed_prefix_list.cloudfront.id}"
        else:
            assert body["cidr_ipv4"] == "${aws_vpc.this.cidr_block}"
    (prefix_list,) = [
        body
        for _, rtype, _, body in TfDir.load(MODULES / "alb").resources("data")
        if rtype == "aws_ec2_managed_prefix_list"
    ]
    assert unquote(prefix_list["name"]) == "com.amazonaws.global.cloudfront.origin-facing"


def test_security_group_rules_are_explicit_resources() -> None:
    """checkov cannot see ports opened in dynamic blocks or inline rules: every rule is its own resource."""
    for d in tf_dirs():
        for file, rtype, name, body in TfDir.load(d).resources():
            assert rtype != "aws_security_group_rule", f"{file}: {name}: use aws_vpc_security_group_*_rule"
            if rtype == "aws_security_group":
                assert "ingress" not in body and "egress" not in body, f"{file}: {name} has inline rules"
            if rtype in SG_TYPES:
                assert "dynamic" not in body, f"{file}: {name} uses a dynamic block"


def test_egress_to_anywhere_is_https_only() -> None:
    for file, name, body in all_resources("aws_vpc_security_group_egress_rule"):
        if unquote(body.get("cidr_ipv4", "")) == "0.0.0.0/0":
            assert body["from_port"] == 443 and body["to_port"] == 443, f"{file}: {name}"


def _resource(module: str, rtype: str, name: str) -> dict:
    for _, t, n, body in TfDir.load(MODULES / module).resources():
        if (t, n) == (rtype, name):
            return body
    raise AssertionError(f"{module}: {rtype}.{name} not found")


def test_alb_forwards_only_with_the_origin_header_and_waits_for_streams() -> None:
    alb = TfDir.load(MODULES / "alb")
    rule = _resource("alb", "aws_lb_listener_rule", "target")
    headers = [c["http_header"][0] for c in rule["condition"] if "http_header" in c]
    assert headers == [
        {
            "http_header_name": "${var.origin_header_name}",
            "values": ["${random_password.origin_secret.result}"],
            "__is_block__": True,
        }
    ]
    for listener in ("http", "https"):
        action = _resource("alb", "aws_lb_listener", listener)["default_action"][0]
        assert action["fixed_response"][0]["status_code"] == '"403"'
    idle = alb.variables["idle_timeout"].body
    assert idle["default"] >= 600 and "600" in str(idle["validation"])
    lb = _resource("alb", "aws_lb", "this")
    assert lb["idle_timeout"] == "${var.idle_timeout}" and lb["drop_invalid_header_fields"] is True


def test_origin_secret_never_leaves_through_environment_outputs() -> None:
    for env in ENVIRONMENTS.iterdir():
        d = TfDir.load(env)
        for name, out in d.outputs.items():
            value = str(out.get("value"))
            assert "origin_header" not in value and ".result" not in value, f"{env.name}: output {name}"
            assert out.get("sensitive") is not True, f"{env.name}: output {name} is sensitive: outputs carry no secrets"
    out = TfDir.load(MODULES / "alb").outputs["origin_header"]
    assert out["sensitive"] is True


def test_cloudfront_disables_caching_forwards_everything_and_bounds_read_timeout() -> None:
    cf = TfDir.load(MODULES / "cloudfront")
    dist = _resource("cloudfront", "aws_cloudfront_distribution", "this")
    behaviour = dist["default_cache_behavior"][0]
    assert set(map(unquote, behaviour["allowed_methods"])) == {
        "DELETE",
        "GET",
        "HEAD",
        "OPTIONS",
        "PATCH",
        "POST",
        "PUT",
    }
    assert behaviour["cache_policy_id"] == "${data.aws_cloudfront_cache_policy.disabled.id}"
    data = {n: b for _, t, n, b in cf.resources("data")}
    assert unquote(data["disabled"]["name"]) == "Managed-CachingDisabled"
    assert unquote(data["all_viewer"]["name"]) == "Managed-AllViewerExceptHostHeader"
    assert dist["web_acl_id"] == "${aws_wafv2_web_acl.this.arn}"
    origin = dist["origin"][0]
    assert origin["custom_header"][0]["value"] == "${var.origin_header.value}"
    assert origin["custom_origin_config"][0]["origin_read_timeout"] == "${var.origin_read_timeout}"
    timeout = cf.variables["origin_read_timeout"].body
    assert timeout["default"] == 60 and "180" in str(timeout["validation"])
    assert unquote(behaviour["viewer_protocol_policy"]) == "https-only"


def _blocked(path: str, regexes: list[str]) -> bool:
    normalised = re.sub(r"/+", "/", path).lower()
    return any(re.search(rx, normalised) for rx in regexes)


ADMIN_PATHS = [
    "/key/generate", "/key/delete", "/user/new", "/user/info", "/team/new", "/budget/new", "/model/new",
    "/model/delete", "/model/info", "/config/update", "/ui", "/ui/", "/spend/logs", "/global/spend", "/customer/new",
    "/organization/new", "/health", "/health/readiness", "/sso/key/generate", "/cache/flushall", "/KEY/generate",
]  # fmt: skip
API_PATHS = [
    "/v1/chat/completions", "/chat/completions", "/v1/messages", "/v1/messages/count_tokens", "/v1/models",
    "/models", "/v1/embeddings", "/bedrock/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/converse",
    "/health/liveliness", "/anthropic/v1/messages",
]  # fmt: skip


def test_waf_blocks_admin_paths_and_metrics_but_not_the_api() -> None:
    cf = TfDir.load(MODULES / "cloudfront")
    regexes = [unquote(r) for r in cf.variables["blocked_path_regexes"].body["default"]]
    regexes = [r.replace("\\\\", "\\") for r in regexes]
    assert 1 <= len(regexes) <= 10
    missed = [p for p in ADMIN_PATHS if not _blocked(p, regexes)]
    wrongly = [p for p in API_PATHS if _blocked(p, regexes)]
    assert not missed and not wrongly, f"admin paths not blocked: {missed}; API paths blocked: {wrongly}"
    acl = _resource("cloudfront", "aws_wafv2_web_acl", "this")
    rules = {unquote(r["name"]): r for r in acl["rule"]}
    metrics = rules["block-metrics"]["statement"][0]["byte_match_statement"][0]
    assert (
        unquote(metrics["search_string"]) == "/metrics" and unquote(metrics["positional_constraint"]) == "STARTS_WITH"
    )
    assert "block" in rules["block-metrics"]["action"][0] and "block" in rules["block-admin-paths"]["action"][0]
    assert "rate_based_statement" in rules["rate-limit-per-ip"]["statement"][0]


def test_waf_counts_body_rules_instead_of_blocking_llm_requests() -> None:
    cf = TfDir.load(MODULES / "cloudfront")
    overrides = [unquote(x) for x in cf.variables["common_rule_set_count_overrides"].body["default"]]
    assert "SizeRestrictions_BODY" in overrides
    acl = _resource("cloudfront", "aws_wafv2_web_acl", "this")
    common = next(r for r in acl["rule"] if unquote(r["name"]) == "aws-common")
    group = common["statement"][0]["managed_rule_group_statement"][0]
    assert unquote(group["name"]) == "AWSManagedRulesCommonRuleSet"
    dyn = group["dynamic"][0]['"rule_action_override"']
    assert dyn["for_each"] == "${toset(var.common_rule_set_count_overrides)}"
    assert "count" in dyn["content"][0]["action_to_use"][0]
    assert "SizeRestrictions_BODY" in str(cf.variables["common_rule_set_count_overrides"].body["validation"])


def test_generated_secrets_are_write_only() -> None:
    secrets = TfDir.load(MODULES / "secrets")
    version = _resource("secrets", "aws_secretsmanager_secret_version", "this")
    assert "secret_string" not in version and "secret_string_wo" in version and "secret_string_wo_version" in version
    assert "ephemeral.random_password.this" in version["secret_string_wo"]
    ephemerals = {(t, n) for _, t, n, _ in secrets.resources("ephemeral")}
    assert ephemerals == {("random_password", "this")}
    assert not [n for _, t, n, _ in secrets.resources() if t == "random_password"], (
        "a managed random_password is in state"
    )


def test_rds_password_is_managed_by_rds() -> None:
    db = _resource("rds-postgres", "aws_db_instance", "this")
    assert db["manage_master_user_password"] is True and "password" not in db
    assert db["storage_encrypted"] is True and db["publicly_accessible"] is False
    assert db["deletion_protection"] == "${var.deletion_protection}"
    prod = parse(ENVIRONMENTS / "prod" / "main.tf")["module"][0]['"gateway"']
    assert prod["database"]["deletion_protection"] is True and prod["database"]["multi_az"] is True


def test_task_role_bedrock_access_is_only_the_rendered_policy() -> None:
    """No wildcard in the task role's own document; Bedrock comes only from the catalogue's rendered policy
    (scoping and evaluation: test_bedrock_policy.py)."""
    iam = TfDir.load(MODULES / "iam")
    doc = next(b for _, t, n, b in iam.resources("data") if (t, n) == ("aws_iam_policy_document", "task"))
    text = str(doc)
    assert "bedrock" not in text and '"*"' not in text
    policies = {n: b for _, t, n, b in iam.resources() if t == "aws_iam_role_policy"}
    assert policies["bedrock"]["policy"] == "${var.bedrock_policy_json}"


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_environments_use_native_s3_locking_and_default_tags(env: str) -> None:
    d = TfDir.load(ENVIRONMENTS / env)
    backends = [b for doc in d.docs.values() for tf in doc.get("terraform", []) for b in tf.get("backend", [])]
    (backend,) = backends
    s3 = backend['"s3"']
    assert s3["use_lockfile"] is True and s3["encrypt"] is True and "dynamodb_table" not in s3
    (provider,) = [b for _, labels, b in d.blocks("provider", 1) if labels == ("aws",)]
    assert "default_tags" in provider and is_block_list(provider["default_tags"])
    assert (ENVIRONMENTS / env / f"{env}.auto.tfvars").is_file()
    assert (ENVIRONMENTS / env / "backend.hcl.example").is_file()
    outputs = set(d.outputs)
    assert {"gateway_url", "grafana_url", "secret_arns"} <= outputs


def test_nothing_in_the_tree_is_a_real_tfvars_or_state() -> None:
    leaked = [p for p in TF_ROOT.rglob("*") if p.name == "terraform.tfvars" or p.suffix == ".tfstate"]
    assert not leaked, leaked


def test_every_secret_version_is_write_only() -> None:
    """The read-only plan role refreshes every secret version without secretsmanager:GetSecretValue: only
    write-only versions are read that way (provider >= 6.26). Failed before: the Redis AUTH token's version used
    secret_string, so every prod plan needed GetSecretValue on it (docs/ci.md lists the plan role's reads)."""
    versions = [
        (d, n, b)
        for d in module_dirs()
        for _, t, n, b in TfDir.load(d).resources()
        if t == "aws_secretsmanager_secret_version"
    ]
    assert len(versions) >= 2
    for d, n, body in versions:
        assert {"secret_string", "secret_binary"}.isdisjoint(body), f"{d.name}: {n} is not write-only"
        assert "secret_string_wo" in body and "secret_string_wo_version" in body, f"{d.name}: {n}"
    data = [
        (d.name, t)
        for d in module_dirs()
        for _, t, _, _ in TfDir.load(d).resources("data")
        if t.startswith("aws_secretsmanager_secret_version")
    ]
    assert data == [], f"data sources that read secret values at plan time: {data}"
