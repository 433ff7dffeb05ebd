output "profile_prefix" {
  description = "Cross-region inference profile prefix of the catalogue (global, us, eu, jp, au, apac)."
  value       = local.profile_prefix

  precondition {
    condition     = contains(keys(local.region_ok), local.profile_prefix)
    error_message = "profile_prefix in the model catalogue must be one of ${join(", ", keys(local.region_ok))}."
  }
}

output "bedrock_models" {
  description = "Bedrock base model ids of the catalogue (without the profile prefix), in catalogue order."
  value       = local.bedrock_models
}

output "inference_profile_ids" {
  description = "Inference profile ids the gateway calls (<profile_prefix>.<bedrock_model>)."
  value       = local.inference_profile_ids

  precondition {
    condition     = local.region_matches_prefix
    error_message = local.region_error
  }
}

output "mantle_count_tokens_models" {
  description = "Models whose tokens LiteLLM counts through bedrock-mantle (their CountTokens on bedrock-runtime answers 400)."
  value       = local.mantle_models
}

output "bedrock_policy_yaml" {
  description = "The rendered template text (what tests/support/bedrock_policy.py renders too)."
  value       = local.policy_yaml
}

output "bedrock_policy_json" {
  description = "The task role's Bedrock policy document: exactly the configured profiles and models."
  value       = jsonencode(yamldecode(local.policy_yaml))

  precondition {
    condition     = local.region_matches_prefix
    error_message = local.region_error
  }
}
