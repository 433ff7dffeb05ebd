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

variable "sso" {
  description = "Optional single sign-on through OIDC (Grafana's generic OAuth, PKCE): the IdP's endpoints, the client id, the Secrets Manager ARN of the client secret (created by you: aws secretsmanager create-secret), the JMESPath mapping a user to Admin, Editor or Viewer (a user it maps to nothing cannot log in), optional allowed e-mail domains and groups. Register <public_url>/grafana/login/generic_oauth as the redirect URI. null: admin password only."
  type = object({
    name                  = optional(string, "SSO")
    client_id             = string
    client_secret_arn     = string
    auth_url              = string
    token_url             = string
    api_url               = string
    scopes                = optional(list(string), ["openid", "email", "profile"])
    role_attribute_path   = string
    allowed_domains       = optional(list(string), [])
    allowed_groups        = optional(list(string), [])
    groups_attribute_path = optional(string, "groups")
  })
  default = null

  validation {
    condition     = var.sso == null ? true : alltrue([for u in [var.sso.auth_url, var.sso.token_url, var.sso.api_url] : startswith(u, "https://")])
    error_message = "sso.auth_url, token_url and api_url must be https:// URLs of the identity provider."
  }

  validation {
    condition     = var.sso == null ? true : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.sso.client_secret_arn))
    error_message = "sso.client_secret_arn must be the ARN of a Secrets Manager secret (the client secret is never a plain value)."
  }

  validation {
    condition     = var.sso == null ? true : trimspace(var.sso.role_attribute_path) != "" && trimspace(var.sso.client_id) != "" && contains(var.sso.scopes, "openid")
    error_message = "sso needs a client_id, a role_attribute_path (JMESPath to Admin/Editor/Viewer, e.g. contains(groups[*], 'grafana-admins') && 'Admin' || 'Viewer') and the openid scope."
  }
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

variable "ecs_exec" {
  description = "Enable ECS Exec on the service: the private admin path (aws ecs execute-command, SSM port forwarding to a task; docs/security-edge.md)."
  type        = bool
  default     = false
  nullable    = false
}
