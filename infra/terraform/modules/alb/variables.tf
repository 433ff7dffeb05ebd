variable "name" {
  description = "Name prefix of every resource (e.g. llmgw-dev); the ALB name is truncated to 32 characters."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC of the load balancer and its target groups."
  type        = string
  nullable    = false
}

variable "public_subnet_ids" {
  description = "Public subnets (at least two availability zones) for the internet-facing load balancer."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "public_subnet_ids needs at least two subnets in different availability zones."
  }
}

variable "idle_timeout" {
  description = "Seconds a connection may stay idle; must outlast the longest pause in a streamed generation (LiteLLM request_timeout is 900 s)."
  type        = number
  default     = 900
  nullable    = false

  validation {
    condition     = var.idle_timeout >= 600 && var.idle_timeout <= 4000
    error_message = "idle_timeout must be between 600 and 4000 seconds (streamed generations run for minutes)."
  }
}

variable "certificate_arn" {
  description = "ACM certificate (in the ALB's region) for an HTTPS listener on 443, matching origin_domain_name of the CloudFront module. null: CloudFront reaches the ALB over HTTP on 80 (dev only: the origin hop is unencrypted)."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  nullable    = false
}

variable "targets" {
  description = "Services behind the listener: container port, health check path, path patterns routed to it (null: everything not matched by another target) and rule priority. Every rule also requires the secret origin header."
  type = map(object({
    port                 = number
    health_check_path    = string
    path_patterns        = optional(list(string))
    priority             = number
    deregistration_delay = optional(number, 30)
    health_check_matcher = optional(string, "200")
  }))
  nullable = false

  validation {
    condition     = length(var.targets) > 0 && alltrue([for t in values(var.targets) : t.priority >= 2 && t.priority <= 50000])
    error_message = "targets needs at least one entry; priorities are between 2 and 50000 (1 is the blocked-paths rule)."
  }

  validation {
    condition     = length([for t in values(var.targets) : t if t.path_patterns == null]) <= 1
    error_message = "At most one target may be the catch-all (path_patterns = null)."
  }

  validation {
    condition     = alltrue([for t in values(var.targets) : t.deregistration_delay >= 0 && t.deregistration_delay <= 3600])
    error_message = "deregistration_delay must be between 0 and 3600 seconds."
  }
}

variable "origin_header_name" {
  description = "Name of the header CloudFront adds and the listener rules require."
  type        = string
  default     = "X-Origin-Verify"
  nullable    = false
}

variable "origin_secret_version" {
  description = "Change to rotate the origin header value (CloudFront and the listener rules are updated in the same apply)."
  type        = number
  default     = 1
  nullable    = false
}

variable "access_logs_bucket" {
  description = "S3 bucket for ALB access logs (the bucket policy must allow the regional ELB log delivery); null disables them."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion (true in prod)."
  type        = bool
  default     = true
  nullable    = false
}

variable "blocked_path_patterns" {
  description = "Paths the listener answers 403 to before any forwarding rule (defence in depth behind WAF): metrics are scraped inside the VPC only."
  type        = list(string)
  default     = ["/metrics", "/metrics/*"]
  nullable    = false

  validation {
    condition     = length(var.blocked_path_patterns) >= 1 && length(var.blocked_path_patterns) <= 5
    error_message = "blocked_path_patterns needs 1 to 5 patterns (one listener rule condition)."
  }
}
