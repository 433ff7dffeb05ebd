variable "name" {
  description = "Identifier of the instance and prefix of its resources (e.g. llmgw-dev-db)."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets (at least two availability zones) of the DB subnet group."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs at least two subnets."
  }
}

variable "engine_version" {
  description = "PostgreSQL major version (RDS picks the current minor; minor upgrades are automatic)."
  type        = string
  default     = "17"
  nullable    = false

  validation {
    condition     = can(regex("^1[4-9]$", var.engine_version))
    error_message = "engine_version must be a PostgreSQL major version between 14 and 19."
  }
}

variable "instance_class" {
  description = "Instance class (db.t4g.micro is enough for dev; LiteLLM writes spend in batches)."
  type        = string
  default     = "db.t4g.small"
  nullable    = false
}

variable "allocated_storage" {
  description = "Initial gp3 storage in GiB (storage autoscaling grows it up to max_allocated_storage)."
  type        = number
  default     = 20
  nullable    = false

  validation {
    condition     = var.allocated_storage >= 20
    error_message = "allocated_storage must be at least 20 GiB."
  }
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  default     = 100
  nullable    = false
}

variable "multi_az" {
  description = "Synchronous standby in a second availability zone (prod)."
  type        = bool
  default     = true
  nullable    = false
}

variable "backup_retention_days" {
  description = "Days automated backups (point-in-time recovery) are kept."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "deletion_protection" {
  description = "Refuse deletion of the instance (true in prod); when false, destroy still takes a final snapshot unless skip_final_snapshot."
  type        = bool
  default     = true
  nullable    = false
}

variable "skip_final_snapshot" {
  description = "Skip the final snapshot on destroy (throw-away dev stacks only)."
  type        = bool
  default     = false
  nullable    = false
}

variable "database_name" {
  description = "Database LiteLLM uses."
  type        = string
  default     = "litellm"
  nullable    = false
}

variable "master_username" {
  description = "Master user name; its password is generated, stored and rotated by RDS in Secrets Manager."
  type        = string
  default     = "litellm"
  nullable    = false
}

variable "password_rotation_days" {
  description = "Days between rotations of the RDS-managed master password (RDS's own default is 7). Only the LiteLLM task's init steps use it (read at task start); the gateway connects with IAM tokens as its own user."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.password_rotation_days >= 1 && var.password_rotation_days <= 365
    error_message = "password_rotation_days must be between 1 and 365."
  }
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights and the master user secret (null: AWS-managed keys)."
  type        = string
  default     = null
}

variable "performance_insights" {
  description = "Enable Performance Insights (7 days free retention); turn off on instance classes that do not offer it."
  type        = bool
  default     = true
  nullable    = false
}

variable "monitoring_interval" {
  description = "Enhanced Monitoring interval in seconds (0 disables it)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be 0, 1, 5, 10, 15, 30 or 60."
  }
}
