# CloudFront in front of the ALB: no caching, every method, header (Authorization included: allowed because
# caching is off), cookie and query string forwarded, secret origin header added. WAF (scope CLOUDFRONT) blocks
# /metrics and the LiteLLM admin/UI routes on the public path (admin routes open to admin_allowed_cidrs, IPv4 and
# IPv6), rate-limits per API key and, more loosely, per IP, and applies AWS managed rules with the body-inspecting
# rules set to count so large LLM requests (and prompts about Log4j) are not blocked.

locals {
  # CloudFront-scoped WAF web ACLs, their logs and CloudFront certificates exist only in us-east-1 (an AWS constraint),
  # so these resources set the per-resource region of provider 6.x instead of needing a provider alias.
  global_region = "us-east-1"
  aliases       = var.custom_domain == null ? [] : [var.custom_domain.name]
  # Headers WAF must never write to its logs.
  redacted_headers = ["authorization", "x-api-key", "x-litellm-api-key", "cookie"]
  admin_ipv4       = [for c in var.admin_allowed_cidrs : c if can(cidrnetmask(c))]
  admin_ipv6       = [for c in var.admin_allowed_cidrs : c if !can(cidrnetmask(c))]
  # The headers a LiteLLM key arrives in: each distinct value is one rate-limit bucket (a request without the
  # header is not counted by that rule; the per-IP rule still applies).
  key_headers = { "rate-limit-per-key-bearer" = "authorization", "rate-limit-per-key-x-api-key" = "x-api-key" }
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_origin_request_policy" "all_viewer" {
  name = "Managed-AllViewerExceptHostHeader"
}

data "aws_cloudfront_response_headers_policy" "security" {
  name = "Managed-SecurityHeadersPolicy"
}

# --- WAF -------------------------------------------------------------------------------------------------------

resource "aws_wafv2_regex_pattern_set" "admin_paths" {
  region      = local.global_region
  name        = "${var.name}-admin-paths"
  description = "LiteLLM admin and UI routes, blocked on the public path"
  scope       = "CLOUDFRONT"

  dynamic "regular_expression" {
    for_each = toset(var.blocked_path_regexes)
    content {
      regex_string = regular_expression.value
    }
  }
}

resource "aws_wafv2_ip_set" "admin" {
  region             = local.global_region
  name               = "${var.name}-admin"
  description        = "IPv4 clients allowed to reach the admin routes"
  scope              = "CLOUDFRONT"
  ip_address_version = "IPV4"
  addresses          = local.admin_ipv4
}

# The distribution is dual-stack (is_ipv6_enabled): clients reach it over IPv6 too, and an IP set holds one
# address family only.
resource "aws_wafv2_ip_set" "admin_ipv6" {
  region             = local.global_region
  name               = "${var.name}-admin-ipv6"
  description        = "IPv6 clients allowed to reach the admin routes"
  scope              = "CLOUDFRONT"
  ip_address_version = "IPV6"
  addresses          = local.admin_ipv6
}

resource "aws_wafv2_web_acl" "this" {
  region      = local.global_region
  name        = var.name
  description = "LLM gateway: admin routes and /metrics blocked, rate limit, managed rules sized for LLM bodies"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  # 1. /metrics is scraped per task inside the VPC only: never public, whatever the client.
  rule {
    name     = "block-metrics"
    priority = 0

    action {
      block {}
    }

    statement {
      byte_match_statement {
        search_string         = "/metrics"
        positional_constraint = "STARTS_WITH"

        field_to_match {
          uri_path {}
        }

        text_transformation {
          priority = 0
          type     = "URL_DECODE"
        }

        text_transformation {
          priority = 1
          type     = "NORMALIZE_PATH"
        }

        text_transformation {
          priority = 2
          type     = "LOWERCASE"
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-block-metrics"
      sampled_requests_enabled   = true
    }
  }

  # 2. Admin and UI routes, unless the client is in the admin IP set.
  rule {
    name     = "block-admin-paths"
    priority = 1

    action {
      block {}
    }

    statement {
      and_statement {
        statement {
          regex_pattern_set_reference_statement {
            arn = aws_wafv2_regex_pattern_set.admin_paths.arn

            field_to_match {
              uri_path {}
            }

            text_transformation {
              priority = 0
              type     = "URL_DECODE"
            }

            text_transformation {
              priority = 1
              type     = "NORMALIZE_PATH"
            }

            text_transformation {
              priority = 2
              type     = "LOWERCASE"
            }
          }
        }

        statement {
          not_statement {
            statement {
              or_statement {
                statement {
                  ip_set_reference_statement {
                    arn = aws_wafv2_ip_set.admin.arn
                  }
                }

                statement {
                  ip_set_reference_statement {
                    arn = aws_wafv2_ip_set.admin_ipv6.arn
                  }
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-block-admin-paths"
      sampled_requests_enabled   = true
    }
  }

  # 3. Per-IP rate limit: a backstop sized for a whole team behind one NAT address; the per-key rules below are
  # the limit a single client meets.
  rule {
    name     = "rate-limit-per-ip"
    priority = 2

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = var.rate_limit_per_ip_per_5min
        aggregate_key_type    = "IP"
        evaluation_window_sec = 300
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-ip-reputation"
    priority = 3

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  # Common rule set with its body-inspecting rules counted, not blocked (LLM request bodies).
  rule {
    name     = "aws-common"
    priority = 4

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"

        dynamic "rule_action_override" {
          for_each = toset(var.common_rule_set_count_overrides)
          content {
            name = rule_action_override.value
            action_to_use {
              count {}
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-common"
      sampled_requests_enabled   = true
    }
  }

  # Known bad inputs (Log4j and friends): blocking on headers, paths and query strings; the body rules only count,
  # because prompts of a coding assistant legitimately contain "${jndi:" and serialized Java.
  rule {
    name     = "aws-known-bad-inputs"
    priority = 5

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"

        dynamic "rule_action_override" {
          for_each = toset(var.known_bad_inputs_count_overrides)
          content {
            name = rule_action_override.value
            action_to_use {
              count {}
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  # Anonymising services (Tor, anonymous VPNs) are blocked; cloud hosting ranges only counted: developers and CI
  # legitimately call the gateway from cloud machines.
  rule {
    name     = "aws-anonymous-ip"
    priority = 6

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"

        rule_action_override {
          name = "HostingProviderIPList"
          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-anonymous-ip"
      sampled_requests_enabled   = true
    }
  }

  # 8./9. Per-key rate limits: every distinct LiteLLM key (Authorization: Bearer ..., or x-api-key) is its own
  # bucket, so one busy developer is slowed down without the rest of the office behind the same address.
  # A request without the header is left out of that rule (AWS WAF RateBasedStatementCustomKey).
  dynamic "rule" {
    for_each = local.key_headers
    content {
      name     = rule.key
      priority = rule.key == "rate-limit-per-key-bearer" ? 7 : 8

      action {
        block {}
      }

      statement {
        rate_based_statement {
          limit                 = var.rate_limit_per_key_per_5min
          aggregate_key_type    = "CUSTOM_KEYS"
          evaluation_window_sec = 300

          custom_key {
            header {
              name = rule.value
              text_transformation {
                priority = 0
                type     = "NONE"
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-${rule.key}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }
}

resource "aws_cloudwatch_log_group" "waf" {
  # checkov:skip=CKV_AWS_338: retention is a variable: 365 days by default and in prod, shorter in dev
  region            = local.global_region
  name              = "aws-waf-logs-${var.name}"
  retention_in_days = var.waf_log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  region                  = local.global_region
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  dynamic "redacted_fields" {
    for_each = toset(local.redacted_headers)
    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }
}

# --- Optional custom domain ------------------------------------------------------------------------------------

data "aws_route53_zone" "custom" {
  count = var.custom_domain == null ? 0 : 1

  zone_id = var.custom_domain.route53_zone_id
}

resource "aws_acm_certificate" "this" {
  count = var.custom_domain == null ? 0 : 1

  region            = local.global_region
  domain_name       = var.custom_domain.name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true

    # The validation and alias records go into this zone: a name outside it would leave the certificate pending.
    precondition {
      condition     = var.custom_domain.name == trimsuffix(data.aws_route53_zone.custom[0].name, ".") || endswith(var.custom_domain.name, ".${trimsuffix(data.aws_route53_zone.custom[0].name, ".")}")
      error_message = "custom_domain.name (${var.custom_domain.name}) is not in the Route 53 zone ${var.custom_domain.route53_zone_id} (${data.aws_route53_zone.custom[0].name}): use the zone that holds the name."
    }
  }
}

resource "aws_route53_record" "validation" {
  for_each = var.custom_domain == null ? {} : {
    for o in aws_acm_certificate.this[0].domain_validation_options : o.domain_name => o
  }

  zone_id         = var.custom_domain.route53_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count = var.custom_domain == null ? 0 : 1

  region                  = local.global_region
  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

# --- Distribution ----------------------------------------------------------------------------------------------

resource "aws_cloudfront_distribution" "this" {
  # checkov:skip=CKV_AWS_86: request logging is done by WAF (all requests, credentials redacted) and the ALB
  # checkov:skip=CKV_AWS_310: one origin by design (the ALB spans AZs); a failover origin would be the same ALB
  # checkov:skip=CKV_AWS_305: an API, not a website: there is no root object to serve
  # checkov:skip=CKV_AWS_374: a company gateway used from anywhere; country restrictions are an organisation policy
  enabled         = true
  comment         = "${var.name} LLM gateway"
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.price_class
  aliases         = local.aliases
  web_acl_id      = aws_wafv2_web_acl.this.arn

  origin {
    origin_id   = "alb"
    domain_name = var.origin_domain_name

    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "${var.origin_protocol}-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = var.origin_read_timeout
      origin_keepalive_timeout = var.origin_keepalive_timeout
    }

    custom_header {
      name  = var.origin_header.name
      value = var.origin_header.value
    }
  }

  default_cache_behavior {
    target_origin_id           = "alb"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer.id
    response_headers_policy_id = data.aws_cloudfront_response_headers_policy.security.id
    # Compression would buffer server-sent events; LLM responses are streamed as they are produced.
    compress = false
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.custom_domain == null
    acm_certificate_arn            = var.custom_domain == null ? null : aws_acm_certificate_validation.this[0].certificate_arn
    ssl_support_method             = var.custom_domain == null ? null : "sni-only"
    # CloudFront's default certificate always reports TLSv1; asking for more would be a perpetual diff.
    minimum_protocol_version = var.custom_domain == null ? "TLSv1" : "TLSv1.2_2021"
  }
}

resource "aws_route53_record" "alias" {
  for_each = var.custom_domain == null ? toset([]) : toset(["A", "AAAA"])

  zone_id = var.custom_domain.route53_zone_id
  name    = var.custom_domain.name
  type    = each.key

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}
