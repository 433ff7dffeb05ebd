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
