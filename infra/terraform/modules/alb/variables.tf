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
  description = "Services behind the listener (enabled = false: declared but not created, e.g. an optional service): container port, health check, base rule priority, and which requests reach it. public_rules: forwarded to every client that comes through CloudFront (methods, empty = any; at most 3 path patterns; e.g. the public-routes module's alb_rules), one listener rule each at priority + index. admin: forwarded when WAF's admin header is present too (admin clients), at its own priority, on its path patterns (null: any path). Every rule also requires the secret origin header."
  type = map(object({
    enabled              = optional(bool, true)
    port                 = number
    health_check_path    = string
    priority             = number
    deregistration_delay = optional(number, 30)
    health_check_matcher = optional(string, "200")
    public_rules = optional(list(object({
      methods       = optional(list(string), [])
      path_patterns = list(string)
    })), [])
    admin = optional(object({
      priority      = number
      path_patterns = optional(list(string))
    }))
  }))
  nullable = false

  validation {
    condition     = length(var.targets) > 0 && alltrue([for t in values(var.targets) : t.priority >= 10 && t.priority + length(t.public_rules) <= 50000 && (t.admin == null ? true : t.admin.priority >= 10 && t.admin.priority <= 50000)])
    error_message = "targets needs at least one entry; priorities are between 10 and 50000 (1-9 are the blocked-paths rules)."
  }

  validation {
    condition = alltrue(flatten([for t in values(var.targets) : [
      for r in t.public_rules : length(r.path_patterns) >= 1 && length(r.path_patterns) <= 3 && 1 + length(r.methods) + length(r.path_patterns) <= 5 && length(join("", r.path_patterns)) - length(replace(replace(join("", r.path_patterns), "*", ""), "?", "")) <= 5
    ]]))
    error_message = "A public rule has 1 to 3 path patterns, at most 5 condition values with its methods and the origin header, and at most 5 wildcards (ALB listener rule limits)."
  }

  validation {
    condition     = alltrue([for t in values(var.targets) : t.admin == null ? true : t.admin.path_patterns == null ? true : length(t.admin.path_patterns) >= 1 && length(t.admin.path_patterns) <= 3])
    error_message = "An admin rule has 1 to 3 path patterns (or null: any path)."
  }

  validation {
    condition = length(flatten([for t in values(var.targets) : concat(
      [for i, r in t.public_rules : t.priority + i], t.admin == null ? [] : [t.admin.priority]
    )])) == length(distinct(flatten([for t in values(var.targets) : concat([for i, r in t.public_rules : t.priority + i], t.admin == null ? [] : [t.admin.priority])])))
    error_message = "Listener rule priorities (target priority + index of each public rule, admin priorities) must be unique."
  }

  validation {
    condition     = alltrue([for t in values(var.targets) : length(t.public_rules) > 0 || t.admin != null])
    error_message = "Every target needs a public rule or an admin rule (ECS refuses a target group no listener rule uses)."
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

variable "admin_header_name" {
  description = "Name of the header WAF inserts for admin clients, without the x-amzn-waf- prefix WAF adds (the listener's admin rules require x-amzn-waf-<name>)."
  type        = string
  default     = "llmgw-admin"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9-]{1,40}$", var.admin_header_name))
    error_message = "admin_header_name must be 1-40 lowercase letters, digits or hyphens."
  }
}

variable "admin_secret_version" {
  description = "Change to rotate the admin header value (WAF and the listener rules are updated in the same apply)."
  type        = number
  default     = 1
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
  description = "Paths the listener answers 403 to before any forwarding rule, admins included (defence in depth behind WAF): LiteLLM's and Grafana's metrics are scraped inside the VPC only. 3 patterns per rule."
  type        = list(string)
  default     = ["/metrics", "/metrics/*", "/grafana/metrics", "/grafana/metrics/*"]
  nullable    = false

  validation {
    condition     = length(var.blocked_path_patterns) >= 1 && length(var.blocked_path_patterns) <= 27
    error_message = "blocked_path_patterns needs 1 to 27 patterns (9 rules of 3)."
  }
}
