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
