output "service_name" {
  description = "Name of the ECS service."
  value       = module.task.service_name
}

output "task_definition_arn" {
  description = "ARN of the current task definition revision."
  value       = module.task.task_definition_arn
}

output "image" {
  description = "The image reference the tasks run (repository:tag[@digest])."
  value       = local.image
}

output "security_group_id" {
  description = "Security group of the tasks."
  value       = module.task.security_group_id
}

output "service_discovery_name" {
  description = "Cloud Map service name (DNS: <name>.<namespace>, one A record per task)."
  value       = aws_service_discovery_service.this.name
}

output "metrics_port" {
  description = "Port /metrics/ is served on (the gateway port)."
  value       = local.port
}

output "task_role_arn" {
  description = "Task role ARN (Bedrock invoke permissions)."
  value       = module.task.task_role_arn
}

output "log_group_name" {
  description = "CloudWatch log group of the service."
  value       = module.task.log_group_name
}

output "config_etag" {
  description = "Etag of the uploaded config.yaml (part of the task definition)."
  value       = aws_s3_object.config.etag
}

output "container_definitions" {
  description = "The task definition's container definitions (JSON): config-sync, migrate, db-user, litellm."
  value       = module.task.container_definitions
}
