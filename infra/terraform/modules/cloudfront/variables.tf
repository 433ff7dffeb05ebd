variable "name" {
  description = "Name prefix of every resource (e.g. llmgw-dev)."
  type        = string
  nullable    = false
}

variable "origin_domain_name" {
  description = "DNS name CloudFront connects to: the ALB DNS name (HTTP origin) or a name covered by the ALB's certificate (HTTPS origin)."
  type        = string
  nullable    = false
}

variable "origin_protocol" {
  description = "\"https\" when the ALB has a certificate for origin_domain_name, else \"http\" (the alb module's listener_protocol output)."
  type        = string
  default     = "https"
  nullable    = false

  validation {
    condition     = contains(["http", "https"], var.origin_protocol)
    error_message = "origin_protocol must be \"http\" or \"https\"."
  }
}

variable "origin_header" {
  description = "Secret header CloudFront adds to every origin request (the alb module's origin_header output)."
  type = object({
    name  = string
    value = string
  })
  sensitive = true
  nullable  = false
}

variable "origin_read_timeout" {
  description = "Seconds CloudFront waits for the first byte and between two reads from the origin: 60 by default, up to 180 after a Service Quotas increase (\"Response timeout per origin\"). Streams longer than this keep working as long as a chunk (or SSE keep-alive) arrives within the timeout."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.origin_read_timeout >= 1 && var.origin_read_timeout <= 180
    error_message = "origin_read_timeout must be between 1 and 180 seconds (above 60 needs a quota increase)."
  }
}

variable "origin_keepalive_timeout" {
  description = "Seconds CloudFront keeps an idle connection to the origin open for reuse (5 by default, up to 60; up to 180 with a quota increase)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.origin_keepalive_timeout >= 1 && var.origin_keepalive_timeout <= 180
    error_message = "origin_keepalive_timeout must be between 1 and 180 seconds."
  }
}

variable "custom_domain" {
  description = "Optional public name of the gateway: an ACM certificate (us-east-1, DNS-validated in the Route 53 zone) and alias records are created. null: the *.cloudfront.net name is used."
  type = object({
    name            = string
    route53_zone_id = string
  })
  default = null
}

variable "price_class" {
  description = "CloudFront price class (edge locations used)."
  type        = string
  default     = "PriceClass_100"
  nullable    = false

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "rate_limit_per_key_per_5min" {
  description = "Requests one LiteLLM key (Authorization or x-api-key header value) may send in any 5-minute window before WAF blocks it (3000 = 10 requests/s sustained, far above an interactive Claude Code session)."
  type        = number
  default     = 3000
  nullable    = false

  validation {
    condition     = var.rate_limit_per_key_per_5min >= 10 && var.rate_limit_per_key_per_5min <= 2000000000
    error_message = "rate_limit_per_key_per_5min must be between 10 and 2,000,000,000 (WAF limits)."
  }
}

variable "rate_limit_per_ip_per_5min" {
  description = "Requests one client IP may send in any 5-minute window: a backstop for key-less floods, sized for a whole team behind one NAT address (20000 = ~65 requests/s from one address)."
  type        = number
  default     = 20000
  nullable    = false

  validation {
    condition     = var.rate_limit_per_ip_per_5min >= 10 && var.rate_limit_per_ip_per_5min <= 2000000000
    error_message = "rate_limit_per_ip_per_5min must be between 10 and 2,000,000,000 (WAF limits)."
  }
}

variable "blocked_path_regexes" {
  description = "Regular expressions (matched against the URL-decoded, normalised, lower-cased path) of LiteLLM admin and UI routes that are blocked on the public path unless the client IP is in admin_allowed_cidrs. At most 10 (WAF regex pattern set limit)."
  type        = list(string)
  default = [
    "^/(key|user|team|budget|model|config|customer|end_user|organization|spend|global|credentials|sso|cache|alerting|email|audit|guardrails|tag|fallback|router|settings|debug|routes)(/|$)",
    "^/(ui|litellm/\\.well-known|\\.well-known/litellm|get_image|get_logo|login|logout|onboarding|invitation|fallback_login)",
    "^/(model_group/info|v2/model/info|v1/model/info|model/info|health/(readiness|services|test_connection)|health$)",
  ]
  nullable = false

  validation {
    condition     = length(var.blocked_path_regexes) >= 1 && length(var.blocked_path_regexes) <= 10
    error_message = "blocked_path_regexes needs 1 to 10 patterns."
  }
}

variable "admin_allowed_cidrs" {
  description = "Client CIDRs, IPv4 or IPv6 (e.g. an office egress /32 or /56), whose requests may reach the admin routes; empty: admin routes are blocked for everyone on the public path."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.admin_allowed_cidrs : can(cidrhost(c, 0)) && !contains(["0.0.0.0/0", "::/0"], c)])
    error_message = "admin_allowed_cidrs must be IPv4 or IPv6 CIDRs, and not 0.0.0.0/0 or ::/0."
  }
}

variable "common_rule_set_count_overrides" {
  description = "Rules of AWSManagedRulesCommonRuleSet switched from block to count: they inspect request bodies, and LLM prompts (large, full of code) trip them. SizeRestrictions_BODY must stay here (Claude Code bodies are far above 8 KB)."
  type        = list(string)
  default     = ["SizeRestrictions_BODY", "CrossSiteScripting_BODY", "GenericLFI_BODY", "GenericRFI_BODY", "EC2MetaDataSSRF_BODY"]
  nullable    = false

  validation {
    condition     = contains(var.common_rule_set_count_overrides, "SizeRestrictions_BODY")
    error_message = "SizeRestrictions_BODY must be overridden to count: it blocks every request body above 8 KB."
  }
}

variable "known_bad_inputs_count_overrides" {
  description = "Rules of AWSManagedRulesKnownBadInputsRuleSet switched from block to count: the ones that inspect the request body, which prompts trip (code mentioning JNDI lookups or serialized Java is ordinary input for a coding assistant). Header, path and query-string rules keep blocking."
  type        = list(string)
  default     = ["Log4JRCE_BODY", "JavaDeserializationRCE_BODY"]
  nullable    = false

  validation {
    condition     = alltrue([for r in var.known_bad_inputs_count_overrides : endswith(r, "_BODY")])
    error_message = "Only the body-inspecting rules (*_BODY) may be counted instead of blocked."
  }
}

variable "waf_log_retention_days" {
  description = "Retention of the WAF log group (us-east-1), in days."
  type        = number
  default     = 365
  nullable    = false
}

variable "log_kms_key_arn" {
  description = "KMS key (in us-east-1) that encrypts the WAF log group (null: the CloudWatch Logs service key)."
  type        = string
  default     = null
}
