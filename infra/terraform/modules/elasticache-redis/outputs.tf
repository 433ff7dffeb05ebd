output "primary_endpoint" {
  description = "Primary endpoint host name."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "Port of the cache."
  value       = aws_elasticache_replication_group.this.port
}

output "security_group_id" {
  description = "Security group of the cache (clients add their own ingress rule)."
  value       = aws_security_group.this.id
}

output "auth_secret_arn" {
  description = "ARN of the secret holding the AUTH token (the ARN only)."
  value       = aws_secretsmanager_secret.auth.arn
  depends_on  = [aws_secretsmanager_secret_version.auth]
}
