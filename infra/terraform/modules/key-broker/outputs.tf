output "service_name" {
  description = "Name of the ECS service (aws ecs update-service --force-new-deployment after the credential is put)."
  value       = module.task.service_name
}

output "port" {
  description = "Port of the broker's HTTP API and /metrics."
  value       = local.port
}

output "health_check_path" {
  description = "The broker's own health check (the ALB target group's and the container's)."
  value       = local.health_path
}

output "security_group_id" {
  description = "Security group of the task."
  value       = module.task.security_group_id
}

output "service_discovery_name" {
  description = "Cloud Map service name of the broker (one A record per task; VictoriaMetrics scrapes <name>.<namespace>:<port>/metrics)."
  value       = aws_service_discovery_service.this.name
}

output "log_group_name" {
  description = "CloudWatch log group of the service: the broker's JSON audit log."
  value       = module.task.log_group_name
}

output "task_role_arn" {
  description = "ARN of the task role (reads the broker's own configuration objects, nothing else)."
  value       = module.task.task_role_arn
}

output "container_definitions" {
  description = "The task definition's container definitions (JSON): config-sync, key-broker. The credential appears only as a Secrets Manager ARN."
  value       = module.task.container_definitions
}

output "code_files" {
  description = "The llmgw files uploaded for the broker (relative to source_dir)."
  value       = local.code_files
}
