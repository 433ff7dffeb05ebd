variable "name" {
  description = "Name of the service and prefix of its resources (e.g. llmgw-dev-grafana)."
  type        = string
  nullable    = false
}

variable "image" {
  description = "Stock Grafana image, tag@digest (default = versions.env GRAFANA_IMAGE; a test keeps them equal)."
  type        = string
  default     = "grafana/grafana:11.6.1@sha256:52c3e20686b860c6dc1f623811565773cf51eefa378817a4896dfc863c3c82c8"
  nullable    = false

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be pinned by digest (name:tag@sha256:...)."
  }
}

variable "init_image" {
  description = "Image of the config-sync init container (needs python3 + boto3: the LiteLLM image reference the gateway runs)."
  type        = string
  nullable    = false
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC of the task."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets of the task."
  type        = list(string)
  nullable    = false
}

variable "alb" {
  description = "The ALB: its security group and Grafana's target group (routed on path_prefix)."
  type = object({
    security_group_id = string
    target_group_arn  = string
  })
  nullable = false
}

variable "public_url" {
  description = "Public base URL of the gateway (https://...); Grafana is served under <public_url><path_prefix>/."
  type        = string
  nullable    = false

  validation {
    condition     = startswith(var.public_url, "https://") && !endswith(var.public_url, "/")
    error_message = "public_url must start with https:// and have no trailing slash."
  }
}

variable "path_prefix" {
  description = "Sub-path Grafana is served from (must match the ALB path pattern)."
  type        = string
  default     = "/grafana"
  nullable    = false

  validation {
    condition     = can(regex("^/[a-z0-9-]+$", var.path_prefix))
    error_message = "path_prefix must look like /grafana."
  }
}

variable "config_bucket" {
  description = "Bucket (name and ARN) the provisioning files and dashboards are uploaded to."
  type = object({
    id  = string
    arn = string
  })
  nullable = false
}

variable "grafana_dir" {
  description = "Directory with provisioning/** and dashboards/*.json (infra/grafana)."
  type        = string
  nullable    = false
}

variable "victoriametrics" {
  description = "VictoriaMetrics URL (VICTORIAMETRICS_URL, used by the provisioned data source) and security group."
  type = object({
    url               = string
    port              = number
    security_group_id = string
  })
  nullable = false
}

variable "admin_password_secret_arn" {
  description = "Secrets Manager ARN of the Grafana admin password."
  type        = string
  nullable    = false
}

variable "cpu" {
  description = "Task vCPU units."
  type        = number
  default     = 256
  nullable    = false
}

variable "memory" {
  description = "Task memory in MiB."
  type        = number
  default     = 512
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the service's log group, in days."
  type        = number
  default     = 365
  nullable    = false
}

variable "log_kms_key_arn" {
  description = "KMS key of the log group (null: the CloudWatch Logs service key)."
  type        = string
  default     = null
}
