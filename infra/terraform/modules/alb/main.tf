# Internet-facing ALB that only CloudFront can use: the security group admits CloudFront's origin-facing managed
# prefix list only, and every listener rule also requires a secret header that CloudFront adds (value generated
# here, kept out of outputs that environments expose). Anything else gets 403 from the default action.

data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

locals {
  https         = var.certificate_arn != null
  listener_port = local.https ? 443 : 80
  listener_arn  = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn
  # Target group names are limited to 32 characters.
  tg_names = { for k, t in var.targets : k => substr("${var.name}-${k}", 0, 32) }
}

resource "random_password" "origin_secret" {
  length  = 48
  special = false
  keepers = {
    version = var.origin_secret_version
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
  for_each = var.targets

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

resource "aws_lb_listener_rule" "target" {
  for_each = var.targets

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
  listener_arn = local.listener_arn
  priority     = 1

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
      values = var.blocked_path_patterns
    }
  }
}
