output "gateway_url" {
  description = "Public URL of the gateway."
  value       = module.gateway.gateway_url
}

output "grafana_url" {
  description = "Public URL of Grafana."
  value       = module.gateway.grafana_url
}

output "secret_arns" {
  description = "ARNs of the generated and managed secrets (values stay in Secrets Manager)."
  value       = module.gateway.secret_arns
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = module.gateway.cluster_name
}

output "litellm_service_name" {
  description = "LiteLLM ECS service name."
  value       = module.gateway.litellm_service_name
}

output "litellm_image" {
  description = "LiteLLM image the tasks run."
  value       = module.gateway.litellm_image
}

output "litellm_log_group" {
  description = "CloudWatch log group of the LiteLLM tasks."
  value       = module.gateway.litellm_log_group
}

output "alerting" {
  description = "Where alerts go: the SNS topic and its Terraform-managed subscribers (docs/deployment.md, On-call)."
  value       = module.gateway.alerting
}

output "key_broker" {
  description = "The key broker when enabled (null otherwise): URL, ECS service, log group (its audit log) and the ARN of the secret its credential goes into (docs/deployment.md, \"Key broker\")."
  value       = module.gateway.key_broker
}
