output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "ARN of the current task definition revision."
  value       = aws_ecs_task_definition.this.arn
}

output "container_definitions" {
  description = "The task definition's container definitions (JSON): config-sync first, then the service's own."
  value       = aws_ecs_task_definition.this.container_definitions
}

output "security_group_id" {
  description = "Security group of the tasks (callers add their rules)."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "CloudWatch log group of the service (/ecs/<name>)."
  value       = aws_cloudwatch_log_group.this.name
}

output "task_role_arn" {
  description = "ARN of the task role."
  value       = module.iam.task_role_arn
}

output "execution_role_arn" {
  description = "ARN of the execution role."
  value       = module.iam.execution_role_arn
}

output "deployment_maximum_percent" {
  description = "Upper bound of running tasks during a deployment, in percent of the desired count."
  value       = aws_ecs_service.this.deployment_maximum_percent
}

output "config_sync_container_name" {
  description = "Name of the init container (dependsOn it with condition SUCCESS)."
  value       = module.config_sync.container_name
}
