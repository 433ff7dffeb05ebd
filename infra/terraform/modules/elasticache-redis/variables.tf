variable "name" {
  description = "Replication group id and prefix of its resources (e.g. llmgw-prod-redis)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1-40 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC of the cache."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets of the cache subnet group."
  type        = list(string)
  nullable    = false
}

variable "engine" {
  description = "\"valkey\" (Redis-compatible, cheaper) or \"redis\"."
  type        = string
  default     = "valkey"
  nullable    = false

  validation {
    condition     = contains(["valkey", "redis"], var.engine)
    error_message = "engine must be valkey or redis."
  }
}

variable "engine_version" {
  description = "Engine version (major.minor)."
  type        = string
  default     = "8.0"
  nullable    = false
}

variable "node_type" {
  description = "Cache node type."
  type        = string
  default     = "cache.t4g.micro"
  nullable    = false
}

variable "replicas" {
  description = "Read replicas next to the primary (1 or more enables automatic failover and Multi-AZ)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.replicas >= 0 && var.replicas <= 5
    error_message = "replicas must be between 0 and 5."
  }
}

variable "snapshot_retention_days" {
  description = "Days daily snapshots are kept (0 disables them)."
  type        = number
  default     = 1
  nullable    = false
}

variable "kms_key_arn" {
  description = "KMS key for encryption at rest and the auth token secret (null: AWS-managed keys)."
  type        = string
  default     = null
}

variable "auth_token_version" {
  description = "Bump to rotate the AUTH token: a new random token is written to the secret (write-only) and applied by ElastiCache with the ROTATE strategy; then roll the LiteLLM service."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.auth_token_version >= 1
    error_message = "auth_token_version must be at least 1."
  }
}
