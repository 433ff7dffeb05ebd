variable "aws_region" {
  description = "Region of the stack: a US region where the us.* Claude inference profiles of infra/litellm/config.yaml are offered."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-west-2."
  }
}

variable "project" {
  description = "Short project name, first part of every resource name and the Project tag."
  type        = string
  default     = "llmgw"
  nullable    = false
}

variable "environment" {
  description = "Environment name, second part of every resource name and the Environment tag."
  type        = string
  default     = "dev"
  nullable    = false
}

variable "tags" {
  description = "Extra tags for every resource (e.g. CostCenter, Owner), merged into the provider's default_tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "custom_domain" {
  description = "Optional public name of the gateway and the Route 53 zone it lives in (null: the *.cloudfront.net name)."
  type = object({
    name            = string
    route53_zone_id = string
  })
  default = null
}

variable "origin_certificate_arn" {
  description = "ACM certificate in aws_region for origin_domain_name: makes the CloudFront-to-ALB hop HTTPS (recommended; null: HTTP on 80, restricted to CloudFront)."
  type        = string
  default     = null
}

variable "origin_domain_name" {
  description = "DNS name (an alias of the ALB, covered by origin_certificate_arn) CloudFront connects to over HTTPS."
  type        = string
  default     = null
}

variable "origin_read_timeout" {
  description = "CloudFront origin response timeout in seconds (60; up to 180 after a Service Quotas increase)."
  type        = number
  default     = 60
  nullable    = false
}

variable "admin_allowed_cidrs" {
  description = "IPv4 CIDRs allowed to reach the LiteLLM admin routes (/key, /user, /team, ...) through CloudFront, e.g. to create the first user."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "litellm_image_digest" {
  description = "sha256 digest of the LiteLLM image tag in versions.env (docs/deployment.md: how to look it up); null runs the tag alone."
  type        = string
  default     = null
}
