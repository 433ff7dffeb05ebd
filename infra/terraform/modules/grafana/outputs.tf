output "url" {
  description = "Public URL of Grafana."
  value       = "${var.public_url}${var.path_prefix}/"
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "security_group_id" {
  description = "Security group of the task."
  value       = aws_security_group.this.id
}

output "dashboard_count" {
  description = "Number of dashboards uploaded from infra/grafana/dashboards."
  value       = length(local.dashboard_files)
}
