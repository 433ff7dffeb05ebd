output "bucket" {
  description = "Name of the state bucket."
  value       = module.bucket.id
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = module.bucket.arn
}

output "backend_config" {
  description = "Contents for environments/<env>/backend.hcl (terraform init -backend-config=backend.hcl)."
  value       = "bucket       = \"${module.bucket.id}\"\nregion       = \"${data.aws_region.current.region}\"\n"
}

output "plan_store" {
  description = "The plan_store input of modules/github-oidc: this bucket and the plans prefix."
  value       = { bucket_arn = module.bucket.arn, key_prefix = var.plans_prefix }
}
