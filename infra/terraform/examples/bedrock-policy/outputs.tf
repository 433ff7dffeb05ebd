output "inference_profile_ids" {
  description = "Inference profiles the gateway calls."
  value       = module.catalogue.inference_profile_ids
}

output "bedrock_policy_json" {
  description = "The task role's Bedrock policy document."
  value       = module.catalogue.bedrock_policy_json
}
