output "arns" {
  description = "Secret ARN per key (ARNs only: the values exist in Secrets Manager and nowhere in state)."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
  # The version resource must exist before a task reads the secret.
  depends_on = [aws_secretsmanager_secret_version.this]
}

output "names" {
  description = "Secret name per key."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}
