variable "name" {
  description = "Name of the service and prefix of its resources (e.g. llmgw-dev-vm)."
  type        = string
  nullable    = false
}

variable "environment" {
  description = "Environment label value the scrape config attaches to every series (dev, prod)."
  type        = string
  nullable    = false
}

variable "image" {
  description = "VictoriaMetrics single-node image, tag@digest (default = versions.env VICTORIAMETRICS_IMAGE; a test keeps them equal)."
  type        = string
  default     = "victoriametrics/victoria-metrics:v1.136.0@sha256:593b533bfbea439f2fd8aed306294cb6a5b362e7932681ebb476cc6aaef70841"
  nullable    = false

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be pinned by digest (name:tag@sha256:...)."
  }
}

variable "vmalert_image" {
  description = "vmalert image, tag@digest (default = versions.env VMALERT_IMAGE; a test keeps them equal). Runs as a sidecar evaluating the alert rules against this VictoriaMetrics."
  type        = string
  default     = "victoriametrics/vmalert:v1.136.0@sha256:e756ea8839f295b4e789a739c3ac80d70404e11b918973506a6182aacca2b11e"
  nullable    = false

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.vmalert_image))
    error_message = "vmalert_image must be pinned by digest (name:tag@sha256:...)."
  }
}

variable "alerts_dir" {
  description = "Directory of the alert rule files (infra/grafana/alerts/*.yml, Prometheus/vmalert format)."
  type        = string
  nullable    = false
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
  description = "Private subnets of the task and of the EFS mount targets."
  type        = list(string)
  nullable    = false
}

variable "service_discovery_namespace_id" {
  description = "Cloud Map namespace VictoriaMetrics registers in (Grafana reaches it as victoriametrics.<namespace>:8428)."
  type        = string
  nullable    = false
}

variable "service_discovery_namespace_name" {
  description = "DNS name of that namespace."
  type        = string
  nullable    = false
}

variable "config_bucket" {
  description = "Bucket (name and ARN) the rendered scrape config is uploaded to."
  type = object({
    id  = string
    arn = string
  })
  nullable = false
}

variable "scrape_template" {
  description = "Path of the shared scrape config template (infra/victoriametrics/scrape.yml.tftpl)."
  type        = string
  nullable    = false
}

variable "scrape_interval" {
  description = "Scrape interval of the LiteLLM tasks (Prometheus duration, e.g. 15s)."
  type        = string
  default     = "15s"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+(s|m)$", var.scrape_interval))
    error_message = "scrape_interval must be a duration in seconds or minutes, e.g. 15s."
  }
}

variable "litellm" {
  description = "The LiteLLM service to scrape: Cloud Map service name (one A record per task), metrics port, its security group, and the Secrets Manager ARN of the bearer token for /metrics/ (the master key or a dedicated key)."
  type = object({
    service_discovery_name = string
    port                   = number
    security_group_id      = string
    metrics_token_arn      = string
  })
  nullable = false
}

variable "retention_period" {
  description = "How long samples are kept (-retentionPeriod: a number of months, or with a unit such as 90d, 1y)."
  type        = string
  default     = "90d"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+(h|d|w|y)?$", var.retention_period))
    error_message = "retention_period must be a number of months or a duration like 90d, 12w, 1y."
  }
}

variable "cpu" {
  description = "Task vCPU units."
  type        = number
  default     = 512
  nullable    = false
}

variable "memory" {
  description = "Task memory in MiB."
  type        = number
  default     = 1024
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

variable "kms_key_arn" {
  description = "KMS key of the EFS file system (null: the AWS-managed aws/elasticfilesystem key)."
  type        = string
  default     = null
}
