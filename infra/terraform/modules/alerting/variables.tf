variable "name" {
  description = "Name of the SNS topic of the alerts (e.g. llmgw-prod-alerts)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "name must be 1-256 letters, digits, hyphens or underscores (an SNS topic name)."
  }
}

variable "email_addresses" {
  description = "On-call e-mail addresses subscribed to the alerts; each receives a confirmation e-mail from AWS and must confirm it before alerts arrive."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "email_addresses must be e-mail addresses."
  }
}

variable "https_endpoints" {
  description = "HTTPS endpoints subscribed to the alerts that confirm SNS subscriptions themselves or by the operator (PagerDuty/Opsgenie SNS integration URLs, AWS Chatbot). A URL with a secret in it belongs in Secrets Manager and Alertmanager's webhooks instead (victoriametrics module)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for u in var.https_endpoints : startswith(u, "https://")])
    error_message = "https_endpoints must be https:// URLs."
  }
}

variable "https_endpoints_auto_confirm" {
  description = "Whether the HTTPS endpoints confirm the SNS subscription themselves (PagerDuty, Opsgenie do)."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the topic (a customer managed key lets other accounts' services subscribe); the default is SNS's AWS managed key."
  type        = string
  default     = "alias/aws/sns"
  nullable    = false
}
