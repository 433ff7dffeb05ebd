# Internet-facing ALB that only CloudFront can use: the security group admits CloudFront's origin-facing managed
# prefix list only, and every listener rule also requires a secret header that CloudFront adds (value generated
# here, kept out of outputs that environments expose). A target is forwarded only its public rules (the allowlist:
# methods + path patterns) and, for admin clients, its admin rule: WAF inserts a second secret header
# (x-amzn-waf-<name>) into requests from admin_allowed_cidrs. Anything else gets 403 from the default action.
# Listener rule limits (AWS ELB quotas): 5 condition values per rule, 3 per condition, 5 wildcards.

data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

locals {
  # The targets that exist (an optional service may be declared with enabled = false).
  targets       = { for k, t in var.targets : k => t if t.enabled }
  https         = var.certificate_arn != null
  listener_port = local.https ? 443 : 80
  listener_arn  = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn
  # Target group names are limited to 32 characters.
  tg_names = { for k, t in local.targets : k => substr("${var.name}-${k}", 0, 32) }

  # One listener rule per public rule of a target, at the target's priority + its index.
  public_rules = merge([
    for k, t in local.targets : {
      for i, r in t.public_rules : "${k}/${i}" => {
        target        = k
        priority      = t.priority + i
        methods       = r.methods
        path_patterns = r.path_patterns
      }
    }
  ]...)
  admin_rules = { for k, t in local.targets : k => t.admin if t.admin != null }
  # The blocked paths, at most 3 patterns per rule (3 match evaluations per condition), priorities 1 to 9.
  blocked_rules = chunklist(var.blocked_path_patterns, 3)

  admin_header_name = "x-amzn-waf-${var.admin_header_name}"
}

resource "random_password" "origin_secret" {
  length  = 48
  special = false
  keepers = {
    version = var.origin_secret_version
  }
}

# The admin header's value: WAF inserts it for admin clients only, and a client's own x-amzn-waf-* header is
# blocked at WAF, so only requests from admin_allowed_cidrs carry it.
resource "random_password" "admin_secret" {
  length  = 48
  special = false
  keepers = {
    version = var.admin_secret_version
  }
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "ALB: HTTP(S) from CloudFront origin-facing addresses only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-alb" }
}

resource "aws_vpc_security_group_ingress_rule" "from_cloudfront" {
  security_group_id = aws_security_group.alb.id
  description       = "CloudFront origin-facing servers (managed prefix list)"
  ip_protocol       = "tcp"
  from_port         = local.listener_port
  to_port           = local.listener_port
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

resource "aws_lb" "this" {
  # checkov:skip=CKV2_AWS_28: WAF (scope CLOUDFRONT) protects the distribution; the ALB admits CloudFront only
  # checkov:skip=CKV_AWS_150: deletion protection is a variable (true by default and in prod; dev turns it off)
  # checkov:skip=CKV2_AWS_20: an HTTP listener exists only without var.certificate_arn, and then there is no HTTPS to redirect to
  name                       = substr(var.name, 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  idle_timeout               = var.idle_timeout
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  enable_http2               = true

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }

  tags = { Name = var.name }
}

resource "aws_lb_target_group" "this" {
  # checkov:skip=CKV_AWS_378: TLS ends at the ALB; targets are private tasks reachable only from the ALB security group
  for_each = local.targets

  name                 = local.tg_names[each.key]
  vpc_id               = var.vpc_id
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = each.value.deregistration_delay

  health_check {
    enabled             = true
    path                = each.value.health_check_path
    matcher             = each.value.health_check_matcher
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = { Name = local.tg_names[each.key] }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "Forbidden"
      status_code  = "403"
    }
  }
}

resource "aws_lb_listener" "http" {
  # checkov:skip=CKV_AWS_2: exists only without var.certificate_arn, which the gateway module refuses unless edge.allow_plaintext_origin is set (dev); admits CloudFront only
  # checkov:skip=CKV_AWS_103: same listener: TLS applies when var.certificate_arn is set (HTTPS listener above)
  count = local.https ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "Forbidden"
      status_code  = "403"
    }
  }
}

resource "aws_lb_listener_rule" "public" {
  for_each = local.public_rules

  listener_arn = local.listener_arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.value.target].arn
  }

  condition {
    http_header {
      http_header_name = var.origin_header_name
      values           = [random_password.origin_secret.result]
    }
  }

  dynamic "condition" {
    for_each = length(each.value.methods) == 0 ? [] : [each.value.methods]
    content {
      http_request_method {
        values = condition.value
      }
    }
  }

  condition {
    path_pattern {
      values = each.value.path_patterns
    }
  }
}

# Admin clients (the WAF admin header): any path of the target, or its admin path patterns.
resource "aws_lb_listener_rule" "admin" {
  for_each = local.admin_rules

  listener_arn = local.listener_arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    http_header {
      http_header_name = var.origin_header_name
      values           = [random_password.origin_secret.result]
    }
  }

  condition {
    http_header {
      http_header_name = local.admin_header_name
      values           = [random_password.admin_secret.result]
    }
  }

  dynamic "condition" {
    for_each = each.value.path_patterns == null ? [] : [each.value.path_patterns]
    content {
      path_pattern {
        values = condition.value
      }
    }
  }
}

resource "aws_lb_listener_rule" "blocked_paths" {
  count = length(local.blocked_rules)

  listener_arn = local.listener_arn
  priority     = 1 + count.index

  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "Forbidden"
      status_code  = "403"
    }
  }

  condition {
    path_pattern {
      values = local.blocked_rules[count.index]
    }
  }
}

moved {
  from = aws_lb_listener_rule.blocked_paths
  to   = aws_lb_listener_rule.blocked_paths[0]
}
