variable "catalogue_file" {
  description = "Path of the model catalogue (profile_prefix, models[].bedrock_model); null: the repository's infra/litellm/models.yaml."
  type        = string
  default     = null
}

variable "region" {
  description = "Region of the gateway: where LiteLLM calls Bedrock (inference profiles, CountTokens, bedrock-mantle)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be a region name such as us-east-1."
  }
}

variable "partition" {
  description = "AWS partition of the account (aws, aws-us-gov, aws-cn): the first part of every ARN."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["aws", "aws-us-gov", "aws-cn"], var.partition)
    error_message = "partition must be aws, aws-us-gov or aws-cn."
  }
}

variable "account_id" {
  description = "Account the inference profiles and bedrock-mantle projects belong to (12 digits)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}
