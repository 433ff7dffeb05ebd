output "gateway_url" {
  description = "Public URL of the gateway."
  value       = module.gateway.gateway_url
}

output "secret_arns" {
  description = "ARNs of the generated and managed secrets (values stay in Secrets Manager)."
  value       = module.gateway.secret_arns
}
