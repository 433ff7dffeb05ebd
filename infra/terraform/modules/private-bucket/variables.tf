variable "name" {
  description = "Globally unique bucket name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket (never for state)."
  type        = bool
  default     = false
  nullable    = false
}

variable "noncurrent_version_days" {
  description = "Days old object versions are kept."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "kms_key_arn" {
  description = "KMS key for default encryption (null: the AWS-managed aws/s3 key)."
  type        = string
  default     = null
}

variable "noncurrent_versions_to_keep" {
  description = "Newest old versions of each object kept regardless of age (null: expire by age alone); the configuration bucket keeps them so a rollback to an older task definition revision finds its versions."
  type        = number
  default     = null

  validation {
    condition     = var.noncurrent_versions_to_keep == null || try(var.noncurrent_versions_to_keep >= 1 && var.noncurrent_versions_to_keep <= 100, false)
    error_message = "noncurrent_versions_to_keep must be between 1 and 100 (or null)."
  }
}
