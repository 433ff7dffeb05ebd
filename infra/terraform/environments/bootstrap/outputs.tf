output "state_bucket" {
  description = "Name of the state bucket."
  value       = module.state_backend.bucket
}

output "backend_config" {
  description = "Write this to environments/<env>/backend.hcl."
  value       = module.state_backend.backend_config
}

output "plan_store" {
  description = "Pass to modules/github-oidc as plan_store (docs/ci.md): deploy.yml stores its encrypted plans there."
  value       = module.state_backend.plan_store
}
