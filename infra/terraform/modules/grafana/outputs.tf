output "url" {
  description = "Public URL of Grafana."
  value       = "${var.public_url}${var.path_prefix}/"
}

output "service_name" {
  description = "Name of the ECS service."
  value       = module.task.service_name
}

output "security_group_id" {
  description = "Security group of the task."
  value       = module.task.security_group_id
}

output "dashboard_count" {
  description = "Number of dashboards uploaded from infra/grafana/dashboards."
  value       = length(local.dashboard_files)
}

output "container_definitions" {
  description = "The task definition's container definitions (JSON): config-sync, grafana."
  value       = module.task.container_definitions
}
