output "state_bucket" {
  description = "Name of the state bucket."
  value       = module.state_backend.bucket
}

output "backend_config" {
  description = "Write this to environments/<env>/backend.hcl."
  value       = module.state_backend.backend_config
}
