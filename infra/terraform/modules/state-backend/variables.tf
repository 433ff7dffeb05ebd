variable "bucket_name" {
  description = "Globally unique name of the state bucket (e.g. <org>-llmgw-tfstate)."
  type        = string
  nullable    = false
}

variable "noncurrent_version_days" {
  description = "Days old state versions are kept (they are the undo of a bad apply)."
  type        = number
  default     = 365
  nullable    = false
}

variable "kms_key_arn" {
  description = "KMS key for the state bucket (null: the AWS-managed aws/s3 key)."
  type        = string
  default     = null
}

variable "plans_prefix" {
  description = "Key prefix of the plans deploy.yml stores between its plan and apply jobs (the plan_store of modules/github-oidc)."
  type        = string
  default     = "plans/"
  nullable    = false

  validation {
    condition     = endswith(var.plans_prefix, "/") && !startswith(var.plans_prefix, "/")
    error_message = "plans_prefix must be a folder such as plans/."
  }
}

variable "plans_retention_days" {
  description = "Days a stored plan is kept (a deploy run that waits longer for its prod approval must plan again)."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = var.plans_retention_days >= 1 && var.plans_retention_days <= 90
    error_message = "plans_retention_days must be between 1 and 90."
  }
}
