variable "aws_region" {
  description = "Region of the state bucket (any; environments point at it with backend.hcl)."
  type        = string
  nullable    = false
}

variable "project" {
  description = "Short project name (Project tag)."
  type        = string
  default     = "llmgw"
  nullable    = false
}

variable "state_bucket_name" {
  description = "Globally unique name of the state bucket, e.g. <org>-llmgw-tfstate."
  type        = string
  nullable    = false
}

variable "tags" {
  description = "Extra tags for the bucket."
  type        = map(string)
  default     = {}
  nullable    = false
}
