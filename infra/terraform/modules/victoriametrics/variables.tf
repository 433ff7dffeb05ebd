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

variable "key_broker" {
  description = "The key broker to scrape too (its /metrics, no token: reachable inside the VPC only): Cloud Map service name (one A record per task), port and security group. null: no broker."
  type = object({
    service_discovery_name = string
    port                   = number
    security_group_id      = string
  })
  default = null
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

variable "alertmanager_image" {
  description = "Alertmanager image, tag@digest (default = versions.env ALERTMANAGER_IMAGE; a test keeps them equal). Runs as a sidecar receiving vmalert's alerts."
  type        = string
  default     = "prom/alertmanager:v0.28.1@sha256:27c475db5fb156cab31d5c18a4251ac7ed567746a2483ff264516437a39b15ba"
  nullable    = false

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.alertmanager_image))
    error_message = "alertmanager_image must be pinned by digest (name:tag@sha256:...)."
  }
}

variable "alertmanager_config" {
  description = "The repository's Alertmanager config (infra/alertmanager/alertmanager.yml): its route and inhibit rules are used as they are; its on-call receiver is replaced by the `alerting` destinations."
  type        = string
  nullable    = false
}

variable "alerting" {
  description = "Where vmalert's alerts go: the SNS topic the on-call subscribe to (alerting module), the base URL of the runbooks (docs/runbooks of this repository as the team browses it; alerts link <base>/<AlertName>.md), and optional Secrets Manager ARNs whose secret string is a Slack incoming-webhook URL or another webhook URL (read by the execution role, never in the task definition)."
  type = object({
    sns_topic_arn            = string
    runbook_base_url         = string
    slack_webhook_secret_arn = optional(string)
    slack_channel            = optional(string)
    webhook_secret_arns      = optional(list(string), [])
  })
  nullable = false

  validation {
    condition     = can(regex("^https://", var.alerting.runbook_base_url)) && !endswith(var.alerting.runbook_base_url, "/")
    error_message = "alerting.runbook_base_url must be an https:// URL without a trailing slash (alerts link <base>/<AlertName>.md)."
  }

  validation {
    condition     = alltrue([for a in concat(var.alerting.webhook_secret_arns, compact([var.alerting.slack_webhook_secret_arn])) : can(regex("^arn:aws[a-z-]*:secretsmanager:", a))])
    error_message = "alerting webhook secrets must be Secrets Manager secret ARNs."
  }
}
