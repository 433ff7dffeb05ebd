"""The LiteLLM task role's Bedrock policy: one template (modules/model-catalogue/bedrock-policy.yaml.tftpl), rendered
by the real terraform (plan/apply of the provider-free module, offline) and by tests/support/bedrock_policy.py,
byte for byte the same; scoped to exactly the catalogue's profiles and models; evaluated with moto's IAM engine
for every authorisation a real gateway call needs (generation, CountTokens, bedrock-mantle); and wired into the
task role."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from support import bedrock_policy as bp

from .tflib import MODULES, REPO, TfDir, unquote

TERRAFORM = shutil.which("terraform")
MODULE = MODULES / "model-catalogue"
ACCOUNT = "111122223333"

US_ONLY = {
    "profile_prefix": "us",
    "models": [
        {"name": "claude-sonnet-4-5", "bedrock_model": "anthropic.claude-sonnet-4-5-20250929-v1:0"},
        {"name": "claude-haiku-4-5", "bedrock_model": "anthropic.claude-haiku-4-5-20251001-v1:0"},
        {"name": "claude-haiku-4-5-again", "bedrock_model": "anthropic.claude-haiku-4-5-20251001-v1:0"},
    ],
}
EU_MANTLE = {
    "profile_prefix": "eu",
    "models": [
        {"name": "claude-opus-4-7", "bedrock_model": "anthropic.claude-opus-4-7"},
        {"name": "claude-sonnet-4-6", "bedrock_model": "anthropic.claude-sonnet-4-6"},
    ],
}


def terraform(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert TERRAFORM, "the terraform CLI (>= 1.11) is not on PATH"
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
    return subprocess.run(
        [TERRAFORM, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def module_root(tmp_path: Path, catalogue: dict | None, region: str, partition: str = "aws") -> Path:
    """A root calling a copy of the module at the repository's layout (so its default catalogue path resolves)."""
    shutil.copytree(MODULE, tmp_path / "infra/terraform/modules/model-catalogue")
    (tmp_path / "infra/litellm").mkdir(parents=True)
    shutil.copy(bp.CATALOGUE, tmp_path / "infra/litellm/models.yaml")
    root = tmp_path / "infra/terraform/root"
    root.mkdir()
    catalogue_arg = ""
    if catalogue is not None:
        (root / "models.yaml").write_text(yaml.safe_dump(catalogue))
        catalogue_arg = 'catalogue_file = "${path.root}/models.yaml"'
    (root / "main.tf").write_text(
        f"""module "catalogue" {{
  source     = "../modules/model-catalogue"
  region     = "{region}"
  partition  = "{partition}"
  account_id = "{ACCOUNT}"
  {catalogue_arg}
}}
output "yaml" {{ value = module.catalogue.bedrock_policy_yaml }}
output "json" {{ value = module.catalogue.bedrock_policy_json }}
output "profiles" {{ value = module.catalogue.inference_profile_ids }}
output "mantle" {{ value = module.catalogue.mantle_count_tokens_models }}
"""
    )
    init = terraform(["init", "-input=false"], root)
    assert init.returncode == 0, init.stdout + init.stderr
    return root


def terraform_outputs(root: Path) -> dict:
    apply = terraform(["apply", "-auto-approve", "-input=false"], root)
    assert apply.returncode == 0, apply.stdout + apply.stderr
    out = terraform(["output", "-json"], root)
    assert out.returncode == 0, out.stderr
    return {k: v["value"] for k, v in json.loads(out.stdout).items()}


CASES = [
    pytest.param(None, "us-east-1", id="repository-catalogue-global"),
    pytest.param(US_ONLY, "us-west-2", id="us-profiles-no-mantle"),
    pytest.param(EU_MANTLE, "eu-west-1", id="eu-profiles-with-mantle"),
]


@pytest.mark.parametrize(("catalogue", "region"), CASES)
def test_terraform_and_python_render_the_same_policy(tmp_path: Path, catalogue: dict | None, region: str) -> None:
    outputs = terraform_outputs(module_root(tmp_path, catalogue, region))
    source = bp.load_catalogue() if catalogue is None else catalogue
    assert outputs["yaml"] == bp.policy_yaml(source, region=region, account_id=ACCOUNT)
    assert outputs["json"] == bp.task_policy_json(source, region=region, account_id=ACCOUNT)
    prefix = source["profile_prefix"]
    models = bp.bedrock_models(source)
    assert outputs["profiles"] == [f"{prefix}.{m}" for m in models]
    cost = bp.litellm_model_cost()
    assert outputs["mantle"] == [m for m in models if bp.counts_through_mantle(cost, prefix, m)]


def test_policy_is_plain_iam_json_scoped_to_the_catalogue() -> None:
    policy = bp.task_policy(region="us-east-1", account_id=ACCOUNT)
    assert policy["Version"] == "2012-10-17" and isinstance(policy["Statement"], list)
    models = bp.bedrock_models(bp.load_catalogue())
    resources = [r for s in policy["Statement"] for r in s["Resource"]]
    for arn in resources:
        assert arn.startswith(("arn:aws:bedrock:", "arn:aws:bedrock-mantle:us-east-1:111122223333:project/")), arn
        if ":bedrock:" in arn:
            assert any(arn.endswith(f"/{m}") or arn.endswith(f".{m}") for m in models), arn
    assert "*" not in [r for r in resources] and all(s["Effect"] == "Allow" for s in policy["Statement"])
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert actions == {*bp.INVOKE_ACTIONS, "bedrock:CountTokens", "bedrock-mantle:CreateInference"}


def test_every_call_the_gateway_makes_is_allowed_by_moto() -> None:
    policy = bp.task_policy(region="us-east-1", account_id=ACCOUNT)
    calls = bp.required_calls(region="us-east-1", account_id=ACCOUNT)
    denied = [c.why for c in calls if not bp.is_allowed(policy, c)]
    assert not denied, denied
    kinds = {c.action for c in calls}
    assert {"bedrock:CountTokens", "bedrock-mantle:CreateInference", *bp.INVOKE_ACTIONS} <= kinds


def test_what_is_not_configured_is_denied_by_moto() -> None:
    policy = bp.task_policy(region="us-east-1", account_id=ACCOUNT)
    foreign = "anthropic.claude-3-haiku-20240307-v1:0"
    profile = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/global.anthropic.claude-opus-5-5"
    other_region_profile = profile.replace("us-east-1", "eu-west-1")
    foreign_profile = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/global.{foreign}"
    cases = [
        bp.Call("bedrock:InvokeModel", foreign_profile, {"bedrock:InferenceProfileArn": foreign_profile}),
        bp.Call("bedrock:InvokeModel", other_region_profile, {"bedrock:InferenceProfileArn": other_region_profile}),
        # The model behind a profile, called directly (no profile in the request context).
        bp.Call("bedrock:InvokeModel", "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-opus-5-5"),
        bp.Call("bedrock:CountTokens", f"arn:aws:bedrock:us-east-1::foundation-model/{foreign}"),
        bp.Call("bedrock:CountTokens", "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-opus-5-5"),
        bp.Call("bedrock-mantle:CreateInference", f"arn:aws:bedrock-mantle:eu-west-1:{ACCOUNT}:project/default"),
        bp.Call("bedrock:CreateModelCustomizationJob", "*"),
    ]  # fmt: skip
    allowed = [c for c in cases if bp.is_allowed(policy, c)]
    assert not allowed, allowed


def test_no_mantle_permission_without_a_mantle_model() -> None:
    policy = bp.task_policy(US_ONLY, region="us-west-2", account_id=ACCOUNT)
    assert [s["Sid"] for s in policy["Statement"]] == [
        "InvokeConfiguredInferenceProfiles", "InvokeModelsThroughConfiguredProfiles", "CountTokensOnConfiguredModels",
    ]  # fmt: skip
    mantle = bp.Call("bedrock-mantle:CreateInference", f"arn:aws:bedrock-mantle:us-west-2:{ACCOUNT}:project/default")
    assert not bp.is_allowed(policy, mantle)


def claude_base_models_of_the_cost_map() -> dict[str, bool]:
    """Every Claude base model id of the pinned LiteLLM's Bedrock entries -> counted through bedrock-mantle?"""
    out: dict[str, set[bool]] = {}
    for key, entry in bp.litellm_model_cost().items():
        base = re.sub(r"^(bedrock/[a-z0-9-]+/|(global|us|eu|apac|jp|au|ca|us-gov)\.)", "", key)
        if not base.startswith("anthropic.claude-") or not isinstance(entry.get("token_count_model"), dict):
            continue
        out.setdefault(base, set()).add(entry["token_count_model"].get("litellm_provider") == "bedrock_mantle")
    mixed = {b for b, v in out.items() if len(v) > 1}
    assert not mixed, f"models counted on bedrock-mantle under some prefixes only: {mixed}"
    return {b: v.pop() for b, v in out.items()}


def test_mantle_patterns_match_litellms_cost_map(tmp_path: Path) -> None:
    """The module's name patterns (Terraform cannot read the cost map) classify every Claude model of the pinned
    LiteLLM as it does: evaluated by the real terraform on a catalogue holding all of them."""
    truth = claude_base_models_of_the_cost_map()
    assert len(truth) >= 15 and any(truth.values()) and not all(truth.values())
    catalogue = {"profile_prefix": "global", "models": [{"name": b, "bedrock_model": b} for b in sorted(truth)]}
    outputs = terraform_outputs(module_root(tmp_path, catalogue, "us-east-1"))
    assert sorted(outputs["mantle"]) == sorted(b for b, mantle in truth.items() if mantle)


@pytest.mark.parametrize(
    ("prefix", "region", "ok"),
    [
        ("global", "eu-central-1", True),
        ("us", "us-west-2", True),
        ("us", "eu-west-1", False),
        ("eu", "eu-north-1", True),
        ("eu", "us-east-1", False),
        ("jp", "ap-northeast-3", True),
        ("jp", "ap-southeast-1", False),
        ("au", "ap-southeast-4", True),
        ("au", "ap-northeast-1", False),
        ("apac", "ap-south-1", True),
        ("apac", "eu-west-1", False),
        ("mars", "us-east-1", False),
    ],
)
def test_region_must_be_served_by_the_profile_prefix(tmp_path: Path, prefix: str, region: str, ok: bool) -> None:
    catalogue = {"profile_prefix": prefix, "models": [{"name": "m", "bedrock_model": "anthropic.claude-sonnet-4-6"}]}
    plan = terraform(["plan", "-input=false"], module_root(tmp_path, catalogue, region))
    if ok:
        assert plan.returncode == 0, plan.stdout + plan.stderr
    else:
        assert plan.returncode != 0
        message = " ".join(plan.stderr.split())
        assert "profile_prefix" in message and (f"region {region}" in message or "must be one of" in message), message


def test_global_profiles_need_a_commercial_partition(tmp_path: Path) -> None:
    plan = terraform(["plan", "-input=false"], module_root(tmp_path, None, "us-gov-west-1", partition="aws-us-gov"))
    assert plan.returncode != 0 and "does not serve region us-gov-west-1" in " ".join(plan.stderr.split()), plan.stderr


def test_task_role_gets_the_rendered_policy() -> None:
    """Wiring: the gateway reads the catalogue once (module model-catalogue with the stack's region, partition and
    account), hands its rendered policy to the LiteLLM service, whose task role attaches it unchanged as an inline
    policy. Failed before: the task role allowed InvokeModel/InvokeModelWithResponseStream only, no CountTokens and
    no bedrock-mantle, so /v1/messages/count_tokens was denied on AWS."""
    gateway = TfDir.load(MODULES / "gateway")
    models = gateway.module_calls["models"]
    assert unquote(models["source"]) == "../model-catalogue"
    assert models["region"] == "${data.aws_region.current.region}"
    assert models["partition"] == "${data.aws_partition.current.partition}"
    assert models["account_id"] == "${data.aws_caller_identity.current.account_id}"
    assert gateway.module_calls["litellm"]["bedrock_policy_json"] == "${module.models.bedrock_policy_json}"
    service = TfDir.load(MODULES / "litellm-service")
    assert service.module_calls["task"]["bedrock_policy_json"] == "${var.bedrock_policy_json}"
    shared = TfDir.load(MODULES / "fargate-service")
    assert shared.module_calls["iam"]["bedrock_policy_json"] == "${var.bedrock_policy_json}"
    iam = {(t, n): b for _, t, n, b in TfDir.load(MODULES / "iam").resources()}
    attached = iam[("aws_iam_role_policy", "bedrock")]
    assert attached["policy"] == "${var.bedrock_policy_json}" and attached["role"] == "${aws_iam_role.task.id}"
    task_doc = str(TfDir.load(MODULES / "iam").docs)
    assert "bedrock:InvokeModel" not in task_doc, "Bedrock permissions come from the template only"
    policy = bp.task_policy(region="us-east-1", account_id=ACCOUNT)
    count = [c for c in bp.required_calls(region="us-east-1", account_id=ACCOUNT) if c.action == "bedrock:CountTokens"]
    assert count and all(bp.is_allowed(policy, c) for c in count)


def test_template_header_names_both_renderings() -> None:
    text = bp.TEMPLATE.read_text()
    assert "tests/support/bedrock_policy.py" in text and "modules/model-catalogue" in text
    assert (REPO / "tests/support/bedrock_policy.py").is_file()
