output "address" {
  description = "Host name of the instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the instance."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of LiteLLM's database."
  value       = aws_db_instance.this.db_name
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed secret (JSON: username, password) holding the rotated master password."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the instance (clients add their own ingress rule)."
  value       = aws_security_group.this.id
}

output "instance_id" {
  description = "Identifier of the instance."
  value       = aws_db_instance.this.identifier
}

output "resource_id" {
  description = "Resource id of the instance (db-...): part of the rds-db:connect ARN of IAM-authenticated users."
  value       = aws_db_instance.this.resource_id
}
