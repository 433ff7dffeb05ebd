variable "name" {
  description = "Prefix of the secret names (e.g. llmgw-dev): secrets are <name>/<key>."
  type        = string
  nullable    = false
}

variable "secrets" {
  description = "Secrets to generate: key => prefix prepended to the random value (e.g. \"sk-\" for the LiteLLM master key), length of the random part, and version (bump it to rotate: the value is regenerated and written again). generate = false: the secret is created without a value, for one made elsewhere that an operator puts (aws secretsmanager put-secret-value); prefix, length and version do not apply."
  type = map(object({
    description = string
    prefix      = optional(string, "")
    length      = optional(number, 48)
    version     = optional(number, 1)
    generate    = optional(bool, true)
  }))
  nullable = false

  validation {
    condition     = alltrue([for s in values(var.secrets) : s.length >= 32 && s.length <= 128 && s.version >= 1])
    error_message = "Every secret needs a length between 32 and 128 and a version of at least 1."
  }

  validation {
    condition     = alltrue([for k in keys(var.secrets) : can(regex("^[a-z0-9-]+$", k))])
    error_message = "Secret keys are lowercase letters, digits and hyphens."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secrets (null: the AWS-managed aws/secretsmanager key)."
  type        = string
  default     = null
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once, handy for throw-away dev stacks)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or between 7 and 30."
  }
}
