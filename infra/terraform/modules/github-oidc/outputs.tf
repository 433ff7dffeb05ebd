output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC identity provider the roles trust (created here or passed in)."
  value       = local.oidc_provider_arn
}

output "plan_role_arn" {
  description = "ARN of the read-only plan role: set it as repository variable AWS_PLAN_ROLE_ARN_<ENV> (docs/ci.md)."
  value       = aws_iam_role.plan.arn
}

output "plan_role_name" {
  description = "Name of the plan role."
  value       = aws_iam_role.plan.name
}

output "apply_role_arn" {
  description = "ARN of the apply role: set it as variable AWS_APPLY_ROLE_ARN of the GitHub environment (docs/ci.md)."
  value       = aws_iam_role.apply.arn
}

output "apply_role_name" {
  description = "Name of the apply role."
  value       = aws_iam_role.apply.name
}

output "plan_subjects" {
  description = "OIDC subject claims (sub) the plan role trusts."
  value       = local.plan_subjects
}

output "apply_subjects" {
  description = "OIDC subject claims (sub) the apply role trusts."
  value       = local.apply_subjects
}

output "plan_kms_key_arn" {
  description = "ARN of the plan store's KMS key (null without plan_store): set it as repository variable TF_PLAN_KMS_KEY_ARN_<ENV> (docs/ci.md)."
  value       = local.plan_key_arn
}
