output "container_definition" {
  description = "The init container definition (an object: put it in the task's container_definitions list)."
  value       = local.container_definition
}

output "container_name" {
  description = "Name of the init container, for dependsOn."
  value       = var.container_name
}

output "volumes" {
  description = "Names of the task volumes the init container writes."
  value       = distinct([for m in var.mounts : m.volume])
}
