# Every input is required and set in prod.auto.tfvars (committed): a laptop and CI plan with the same values,
# and no input can silently fall back to a default (docs/deployment.md, "Inputs").

variable "aws_region" {
  description = "Region of the stack; the profile prefix of infra/litellm/models.yaml must serve it (global: any commercial region)."
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
  nullable    = false
}

variable "environment" {
  description = "Environment name, second part of every resource name and the Environment tag: prod in this root."
  type        = string
  nullable    = false

  validation {
    condition     = var.environment == "prod"
    error_message = "environment must be \"prod\" in environments/prod (a tfvars file of another environment?)."
  }
}

variable "tags" {
  description = "Extra tags for every resource (e.g. CostCenter, Owner), merged into the provider's default_tags."
  type        = map(string)
  nullable    = false
}

variable "custom_domain" {
  description = "Optional public name of the gateway and the Route 53 zone it lives in (null: the *.cloudfront.net name)."
  type = object({
    name            = string
    route53_zone_id = string
  })
}

variable "origin_certificate_arn" {
  description = "ACM certificate in aws_region for origin_domain_name: makes the CloudFront-to-ALB hop HTTPS (recommended; null: HTTP on 80, restricted to CloudFront)."
  type        = string
}

variable "origin_domain_name" {
  description = "DNS name (an alias of the ALB, covered by origin_certificate_arn) CloudFront connects to over HTTPS."
  type        = string
}

variable "origin_read_timeout" {
  description = "CloudFront origin response timeout in seconds: 60 without, up to 180 with the Service Quotas increase docs/deployment.md describes."
  type        = number
  nullable    = false
}

variable "admin_allowed_cidrs" {
  description = "Client CIDRs (IPv4 or IPv6) allowed to reach the LiteLLM admin routes (/key, /user, /team, ...) through CloudFront, e.g. to create the first user; [] closes them."
  type        = list(string)
  nullable    = false
}

variable "litellm_image_digest" {
  description = "sha256 digest of the LiteLLM image tag in versions.env (docs/deployment.md: how to look it up); null runs the tag alone."
  type        = string
}

variable "grafana_sso" {
  description = "Single sign-on for Grafana (OIDC): the grafana module's sso input (client_id, client_secret_arn, auth_url, token_url, api_url, role_attribute_path, ...; docs/security-edge.md), or null for the admin password only."
  type        = any
}

variable "grafana_public" {
  description = "Put /grafana on the public path (requires grafana_sso); false: admin clients only (docs/security-edge.md)."
  type        = bool
  nullable    = false
}

variable "alerting" {
  description = "Who gets paged by the gateway's alerts: e-mail addresses / HTTPS endpoints on the SNS topic, Secrets Manager ARNs of a Slack or other webhook URL, and the base URL of the runbooks (docs/deployment.md, \"On-call\")."
  type = object({
    email_addresses          = list(string)
    https_endpoints          = list(string)
    slack_webhook_secret_arn = string
    slack_channel            = string
    webhook_secret_arns      = list(string)
    runbook_base_url         = string
  })
  nullable = false
}

variable "key_broker" {
  description = "The key broker (docs/identity.md): enabled deploys it beside LiteLLM (its routes /broker/v1/* public, its policy infra/broker/policy.yaml, an empty secret for its credential that an operator fills, docs/deployment.md \"Key broker\"); sweep_interval, cpu and memory as in the gateway module."
  type = object({
    enabled        = bool
    sweep_interval = optional(number, 300)
    cpu            = optional(number, 256)
    memory         = optional(number, 512)
  })
  nullable = false
}
