variable "name" {
  description = "Name of the service and prefix of its resources (e.g. llmgw-dev-key-broker)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,31}$", var.name))
    error_message = "name must be 3-32 lowercase letters, digits or hyphens, starting with a letter (IAM role name prefixes are <name>-exec-, at most 38 characters)."
  }
}

variable "image" {
  description = "The stock LiteLLM image the gateway runs (the litellm-service module's image output): it has the Python packages llmgw.broker imports, and runs the config-sync init container too."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s:@]+(:[^\\s@]+)?(@sha256:[0-9a-f]{64})?$", var.image)) && strcontains(var.image, ":")
    error_message = "image must be an image reference with a tag (repository:tag, optionally @sha256:digest)."
  }
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
  description = "Private subnets of the task (outbound HTTPS to STS and the IdP through the NAT gateway or endpoints)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids needs at least one private subnet."
  }
}

variable "alb" {
  description = "The ALB: its security group and the broker's target group (forwarded the broker's public routes, infra/broker/public-routes.yaml)."
  type = object({
    security_group_id = string
    target_group_arn  = string
  })
  nullable = false
}

variable "litellm" {
  description = "LiteLLM's admin API inside the VPC: base URL (its Cloud Map name and port, e.g. http://litellm.llmgw-dev.internal:4000), port and security group (the broker may connect to it, and only it may of the three)."
  type = object({
    url               = string
    port              = number
    security_group_id = string
  })
  nullable = false

  validation {
    condition     = can(regex("^https?://[a-z0-9.-]+(:[0-9]{1,5})?$", var.litellm.url))
    error_message = "litellm.url must be http(s)://host[:port] with no path or trailing slash."
  }
}

variable "admin_key_secret_arn" {
  description = "Secrets Manager ARN of the broker's LiteLLM credential (LLMGW_BROKER_ADMIN_KEY, minted by `python -m llmgw.broker credential` and put by an operator; the gateway module's secrets module creates it without a value)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.admin_key_secret_arn))
    error_message = "admin_key_secret_arn must be the ARN of a Secrets Manager secret (the credential is never a plain value)."
  }
}

variable "config_bucket" {
  description = "Bucket (name and ARN) the policy, the gateway config and the broker's code are uploaded to (under key-broker/)."
  type = object({
    id  = string
    arn = string
  })
  nullable = false
}

variable "policy_file" {
  description = "The broker's policy file (infra/broker/policy.yaml): validated by `python -m llmgw.broker check-policy` before a merge."
  type        = string
  nullable    = false

  validation {
    condition     = fileexists(var.policy_file)
    error_message = "policy_file must name an existing file (infra/broker/policy.yaml)."
  }
}

variable "gateway_config_file" {
  description = "The gateway's config.yaml (infra/litellm/config.yaml): the model names a policy rule may grant."
  type        = string
  nullable    = false

  validation {
    condition     = fileexists(var.gateway_config_file)
    error_message = "gateway_config_file must name an existing file (infra/litellm/config.yaml)."
  }
}

variable "source_dir" {
  description = "The llmgw package of this repository (src/llmgw): llmgw/broker/*.py and the llmgw.admin modules it imports are uploaded from here."
  type        = string
  nullable    = false

  validation {
    condition     = fileexists("${var.source_dir}/broker/__main__.py") && fileexists("${var.source_dir}/admin/client.py")
    error_message = "source_dir must be the repository's src/llmgw (with broker/__main__.py and admin/client.py)."
  }
}

variable "service_discovery_namespace_id" {
  description = "Cloud Map private DNS namespace the task registers in (the scraper finds it there)."
  type        = string
  nullable    = false
}

variable "service_discovery_name" {
  description = "Cloud Map service name of the broker: <name>.<namespace> is what VictoriaMetrics scrapes."
  type        = string
  default     = "key-broker"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.service_discovery_name))
    error_message = "service_discovery_name must be a DNS label (lowercase letters, digits, hyphens)."
  }
}

variable "sweep_interval" {
  description = "Seconds between the broker's policy re-reads and revocation sweeps (a key whose principal the policy no longer admits is deleted); 0 turns sweeping off."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.sweep_interval == 0 || (var.sweep_interval >= 30 && var.sweep_interval <= 86400)
    error_message = "sweep_interval must be 0 or between 30 and 86400 seconds."
  }
}

variable "cpu" {
  description = "Task vCPU units (256 = 0.25 vCPU: the broker does a few HTTP calls per login)."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024], var.cpu)
    error_message = "cpu must be 256, 512 or 1024."
  }
}

variable "memory" {
  description = "Task memory in MiB (the init container and the broker share it)."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition     = var.memory >= 512 && var.memory <= 4096
    error_message = "memory must be between 512 and 4096 MiB (the stock LiteLLM image's Python needs more than 256)."
  }
}

variable "log_retention_days" {
  description = "Retention of the service's log group (the broker's JSON audit log: every issuance, refusal and revocation), in days."
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
  description = "Enable ECS Exec on the service (aws ecs execute-command) with the task role's SSM channel permissions."
  type        = bool
  default     = false
  nullable    = false
}
