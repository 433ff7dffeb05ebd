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
      priority          = 20
      admin             = { priority = 25, path_patterns = ["/grafana", "/grafana/*"] }
    }
    litellm = {
      port                 = 4000
      health_check_path    = "/health/liveliness"
      priority             = 200
      deregistration_delay = 900
      # What modules/public-routes renders (shortened).
      public_rules = [
        { methods = ["GET", "HEAD"], path_patterns = ["/"] },
        { methods = ["POST"], path_patterns = ["/v1/messages", "/v1/messages/count_tokens", "/v1/chat/completions"] },
        { methods = ["GET"], path_patterns = ["/v1/models", "/v1/models/*"] },
      ]
      admin = { priority = 1000 }
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
      for rule in concat(values(aws_lb_listener_rule.public), values(aws_lb_listener_rule.admin)) :
      length([for c in rule.condition : c if length(c.http_header) == 1 && try(c.http_header[0].http_header_name, "") == "X-Origin-Verify"]) == 1
    ])
    error_message = "Every forwarding rule must require the secret origin header."
  }

  assert {
    condition     = toset(keys(aws_lb_listener_rule.public)) == toset(["litellm/0", "litellm/1", "litellm/2"]) && aws_lb_listener_rule.public["litellm/1"].priority == 201
    error_message = "One listener rule per public rule, at the target's priority + index; Grafana has none by default."
  }

  assert {
    condition = alltrue([
      for rule in values(aws_lb_listener_rule.public) :
      length([for c in rule.condition : c if length(c.path_pattern) == 1]) == 1 && length([for c in rule.condition : c if length(c.http_request_method) == 1]) == 1
    ])
    error_message = "A public rule forwards its methods on its paths only."
  }

  assert {
    condition = alltrue([
      for k, rule in aws_lb_listener_rule.admin :
      length([for c in rule.condition : c if try(c.http_header[0].http_header_name, "") == "x-amzn-waf-llmgw-admin"]) == 1
    ]) && length(aws_lb_listener_rule.admin["litellm"].condition) == 2 && length(aws_lb_listener_rule.admin["grafana"].condition) == 3
    error_message = "Admin rules need WAF's admin header: LiteLLM on any path, Grafana on its paths."
  }

  assert {
    condition     = aws_lb_listener.http[0].default_action[0].fixed_response[0].status_code == "403" && length(aws_lb_listener.https) == 0
    error_message = "Without a certificate there is one HTTP listener whose default answer is 403."
  }

  assert {
    condition     = length(aws_lb_listener_rule.blocked_paths) == 2 && aws_lb_listener_rule.blocked_paths[0].priority == 1 && aws_lb_listener_rule.blocked_paths[1].action[0].fixed_response[0].status_code == "403"
    error_message = "/metrics and /grafana/metrics must be answered 403 before any forwarding rule (3 patterns per rule)."
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

run "a_rule_over_the_alb_condition_limits_is_rejected" {
  command = plan

  variables {
    targets = {
      litellm = {
        port              = 4000
        health_check_path = "/health/liveliness"
        priority          = 200
        public_rules      = [{ methods = ["GET", "HEAD"], path_patterns = ["/a", "/b", "/c"] }]
      }
    }
  }

  expect_failures = [var.targets]
}

run "a_disabled_target_gets_no_target_group_and_no_rule" {
  command = plan

  variables {
    targets = {
      litellm = {
        port              = 4000
        health_check_path = "/health/liveliness"
        priority          = 200
        public_rules      = [{ methods = ["POST"], path_patterns = ["/v1/messages"] }]
      }
      broker = {
        enabled           = false
        port              = 4020
        health_check_path = "/broker/healthz"
        priority          = 100
        public_rules      = [{ methods = ["POST"], path_patterns = ["/broker/v1/keys"] }]
        admin             = { priority = 150, path_patterns = ["/broker/*"] }
      }
    }
  }

  assert {
    condition     = keys(aws_lb_target_group.this) == ["litellm"] && keys(aws_lb_listener_rule.public) == ["litellm/0"] && length(aws_lb_listener_rule.admin) == 0
    error_message = "enabled = false declares a target without creating its target group or rules."
  }
}
