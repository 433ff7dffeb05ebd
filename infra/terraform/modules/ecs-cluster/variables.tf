variable "name" {
  description = "Name of the cluster and prefix of the service discovery namespace (e.g. llmgw-dev)."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC the private DNS namespace (Cloud Map) is attached to."
  type        = string
  nullable    = false
}

variable "container_insights" {
  description = "Container Insights level: \"enhanced\" (task/container metrics), \"enabled\" or \"disabled\"."
  type        = string
  default     = "enhanced"
  nullable    = false

  validation {
    condition     = contains(["enhanced", "enabled", "disabled"], var.container_insights)
    error_message = "container_insights must be enhanced, enabled or disabled."
  }
}

variable "namespace_name" {
  description = "Private DNS namespace for service discovery (null: <name>.internal). Each LiteLLM task gets an A record in it."
  type        = string
  default     = null
}

variable "fargate_spot_weight" {
  description = "Default capacity provider strategy weight of FARGATE_SPOT next to FARGATE (0: on-demand only)."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.fargate_spot_weight >= 0 && var.fargate_spot_weight <= 1000
    error_message = "fargate_spot_weight must be between 0 and 1000."
  }
}
