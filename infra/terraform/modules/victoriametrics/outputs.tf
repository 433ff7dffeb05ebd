output "url" {
  description = "In-VPC URL of VictoriaMetrics (Grafana's VICTORIAMETRICS_URL)."
  value       = "http://${local.dns_name}.${var.service_discovery_namespace_name}:${local.port}"
}

output "port" {
  description = "HTTP port of VictoriaMetrics."
  value       = local.port
}

output "security_group_id" {
  description = "Security group of the task (readers add their own ingress rule)."
  value       = module.task.security_group_id
}

output "scrape_config" {
  description = "The rendered scrape configuration (no secrets: the bearer token is %%{LITELLM_METRICS_TOKEN}, expanded by VictoriaMetrics)."
  value       = local.scrape_config
}

output "file_system_id" {
  description = "EFS file system holding the data."
  value       = aws_efs_file_system.this.id
}

output "container_definitions" {
  description = "The task definition's container definitions (JSON): config-sync, victoriametrics, vmalert."
  value       = module.task.container_definitions
}

output "deployment_maximum_percent" {
  description = "Upper bound of running tasks during a deployment (100: one task owns the data directory)."
  value       = module.task.deployment_maximum_percent
}
