variable "region" {
  description = "Region of the gateway the policy is rendered for."
  type        = string
  nullable    = false
}

variable "partition" {
  description = "AWS partition of the account (aws, aws-us-gov, aws-cn)."
  type        = string
  default     = "aws"
  nullable    = false
}

variable "account_id" {
  description = "Account id (12 digits) of the inference profiles."
  type        = string
  nullable    = false
}
