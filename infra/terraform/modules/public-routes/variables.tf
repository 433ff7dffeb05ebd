variable "routes_file" {
  description = "Path of the allowlist (routes[].path, methods, why, optional serves); null: the repository's infra/litellm/public-routes.yaml."
  type        = string
  default     = null
}

variable "alb_values_per_condition" {
  description = "Path patterns per ALB listener rule condition. AWS documents at most 3 match evaluations per condition and 5 condition values per rule, the origin-secret header and the methods included; 3 keeps within both."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.alb_values_per_condition >= 1 && var.alb_values_per_condition <= 3
    error_message = "alb_values_per_condition must be between 1 and 3 (ALB: 3 match evaluations per condition)."
  }
}

variable "group_prefix" {
  description = "Prefix of the WAF group names (\"\" for LiteLLM's allowlist; e.g. \"broker-\" for a second allowlist whose groups join the same web ACL, where names must be unique)."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^([a-z][a-z0-9]*-)?$", var.group_prefix))
    error_message = "group_prefix must be empty or lowercase letters and digits ending in a hyphen, e.g. broker-."
  }
}
