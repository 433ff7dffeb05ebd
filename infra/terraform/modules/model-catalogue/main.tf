# The gateway's model catalogue (infra/litellm/models.yaml) as Terraform values, read in this one place: the
# inference profiles the gateway calls and the task role's Bedrock policy, rendered from the ONE template
# bedrock-policy.yaml.tftpl that tests/support/bedrock_policy.py renders too. No provider: `terraform plan`
# and `terraform test` of this module run without downloading anything.

locals {
  catalogue      = yamldecode(file(coalesce(var.catalogue_file, "${path.module}/../../../litellm/models.yaml")))
  profile_prefix = local.catalogue.profile_prefix
  bedrock_models = distinct([for m in local.catalogue.models : m.bedrock_model])

  inference_profile_ids = [for id in local.bedrock_models : "${local.profile_prefix}.${id}"]

  # Models whose tokens LiteLLM 1.106.2 counts through bedrock-mantle (its cost map's token_count_model has
  # litellm_provider = "bedrock_mantle"): bedrock-runtime's CountTokens answers 400 for them. Opus 4.7+, Sonnet 5+,
  # Haiku 5.5+, Fable, Mythos. tests/terraform/test_bedrock_policy.py checks these patterns against every Claude
  # model of the pinned LiteLLM's cost map, so a LiteLLM upgrade that moves a model fails until this is updated.
  mantle_count_tokens_patterns = [
    "^anthropic\\.claude-opus-4-([7-9]|[1-9][0-9])($|-)",
    "^anthropic\\.claude-(opus|sonnet)-([5-9]|[1-9][0-9])($|-)",
    "^anthropic\\.claude-haiku-5-([5-9]|[1-9][0-9])($|-)",
    "^anthropic\\.claude-haiku-([6-9]|[1-9][0-9])($|-)",
    "^anthropic\\.claude-(fable|mythos)-",
  ]
  mantle_models = [
    for id in local.bedrock_models : id if anytrue([for p in local.mantle_count_tokens_patterns : can(regex(p, id))])
  ]

  policy_vars = {
    inference_profile_arns = [
      for id in local.inference_profile_ids : "arn:${var.partition}:bedrock:${var.region}:${var.account_id}:inference-profile/${id}"
    ]
    routed_model_arns       = [for id in local.bedrock_models : "arn:${var.partition}:bedrock:*::foundation-model/${id}"]
    count_tokens_model_arns = [for id in local.bedrock_models : "arn:${var.partition}:bedrock:${var.region}::foundation-model/${id}"]
    mantle_project_arns     = length(local.mantle_models) > 0 ? ["arn:${var.partition}:bedrock-mantle:${var.region}:${var.account_id}:project/*"] : []
  }
  policy_yaml = templatefile("${path.module}/bedrock-policy.yaml.tftpl", local.policy_vars)

  # Where each profile prefix serves requests from (Bedrock cross-region inference): the gateway's region must be
  # a source region of its prefix, or every call fails with "The provided model identifier is invalid".
  region_ok = {
    global = var.partition == "aws"
    us     = can(regex("^us-(east|west)-[0-9]$", var.region))
    eu     = can(regex("^eu-[a-z]+-[0-9]$", var.region))
    jp     = contains(["ap-northeast-1", "ap-northeast-3"], var.region)
    au     = contains(["ap-southeast-2", "ap-southeast-4"], var.region)
    apac   = can(regex("^ap-[a-z]+-[0-9]$", var.region))
  }
  region_matches_prefix = lookup(local.region_ok, local.profile_prefix, false)
  region_error          = "The model catalogue's profile_prefix \"${local.profile_prefix}\" does not serve region ${var.region} (global: any commercial region; us: us-*; eu: eu-*; jp: ap-northeast-1/3; au: ap-southeast-2/4; apac: ap-*). Change aws_region or profile_prefix in infra/litellm/models.yaml."
}
