# Plan-only checks of the ALB module with mocked providers (terraform test; needs provider downloads for init).

mock_provider "aws" {
  mock_data "aws_ec2_managed_prefix_list" {
    defaults = {
      id = "pl-3b927c52"
    }
  }
}

mock_provider "random" {}

variables {
  name              = "llmgw-test"
  vpc_id            = "vpc-0123456789abcdef0"
  public_subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  targets = {
    grafana = {
      port              = 3000
      health_check_path = "/grafana/api/health"
      path_patterns     = ["/grafana", "/grafana/*"]
      priority          = 10
    }
    litellm = {
      port                 = 4000
      health_check_path    = "/health/liveliness"
      priority             = 100
      deregistration_delay = 900
    }
  }
}

run "only_cloudfront_with_the_origin_header_is_forwarded" {
  command = plan

  assert {
    condition     = aws_vpc_security_group_ingress_rule.from_cloudfront.prefix_list_id == "pl-3b927c52"
    error_message = "The ALB must admit CloudFront's origin-facing prefix list only."
  }

  assert {
    condition = alltrue([
      for key, rule in aws_lb_listener_rule.target :
      length([for c in rule.condition : c if length(c.http_header) == 1 && try(c.http_header[0].http_header_name, "") == "X-Origin-Verify"]) == 1
    ])
    error_message = "Every forwarding rule must require the secret origin header."
  }

  assert {
    condition     = length(aws_lb_listener_rule.target["grafana"].condition) == 2 && length(aws_lb_listener_rule.target["litellm"].condition) == 1
    error_message = "Grafana is routed on its path, LiteLLM is the catch-all (header only)."
  }

  assert {
    condition     = aws_lb_listener.http[0].default_action[0].fixed_response[0].status_code == "403" && length(aws_lb_listener.https) == 0
    error_message = "Without a certificate there is one HTTP listener whose default answer is 403."
  }

  assert {
    condition     = aws_lb_listener_rule.blocked_paths.priority == 1 && aws_lb_listener_rule.blocked_paths.action[0].fixed_response[0].status_code == "403"
    error_message = "/metrics must be answered 403 before any forwarding rule."
  }

  assert {
    condition     = aws_lb.this.idle_timeout == 900 && aws_lb_target_group.this["litellm"].deregistration_delay == "900"
    error_message = "Long streams need the 900 s idle timeout and drain time."
  }
}

run "https_listener_with_a_certificate" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && length(aws_lb_listener.http) == 0 && aws_vpc_security_group_ingress_rule.from_cloudfront.from_port == 443
    error_message = "A certificate switches the origin to HTTPS on 443."
  }
}

run "short_idle_timeout_is_rejected" {
  command = plan

  variables {
    idle_timeout = 60
  }

  expect_failures = [var.idle_timeout]
}
