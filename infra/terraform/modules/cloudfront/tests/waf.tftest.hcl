# Plan-only checks of the CloudFront/WAF module with mocked providers.

mock_provider "aws" {
  mock_data "aws_cloudfront_cache_policy" {
    defaults = {
      id = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    }
  }

  mock_data "aws_cloudfront_origin_request_policy" {
    defaults = {
      id = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    }
  }

  mock_data "aws_cloudfront_response_headers_policy" {
    defaults = {
      id = "67f7725c-6f97-4210-82d7-5512b31e9d03"
    }
  }
}

variables {
  name               = "llmgw-test"
  origin_domain_name = "llmgw-test-123456.elb.amazonaws.com"
  origin_protocol    = "http"
  origin_header = {
    name  = "X-Origin-Verify"
    value = "not-a-real-secret-only-for-the-test"
  }
}

run "waf_lets_large_llm_bodies_through_and_blocks_metrics" {
  command = plan

  assert {
    condition = contains(flatten([
      for r in aws_wafv2_web_acl.this.rule : [
        for s in r.statement : [
          for m in s.managed_rule_group_statement : [for o in m.rule_action_override : o.name if try(length(o.action_to_use[0].count), 0) == 1]
        ]
      ]
    ]), "SizeRestrictions_BODY")
    error_message = "SizeRestrictions_BODY of the common rule set must be overridden to count."
  }

  assert {
    condition = length([
      for r in aws_wafv2_web_acl.this.rule : r
      if r.name == "block-metrics" && try(length(r.action[0].block), 0) == 1 && try(r.statement[0].byte_match_statement[0].search_string, "") == "/metrics"
    ]) == 1
    error_message = "/metrics must be blocked on the public path."
  }

  assert {
    condition     = aws_wafv2_web_acl.this.scope == "CLOUDFRONT" && aws_wafv2_web_acl.this.region == "us-east-1"
    error_message = "A CloudFront web ACL has scope CLOUDFRONT and lives in us-east-1."
  }

  assert {
    condition = length([
      for r in aws_wafv2_web_acl.this.rule : r
      if try(r.statement[0].rate_based_statement[0].aggregate_key_type, "") == "IP" && try(r.statement[0].rate_based_statement[0].limit, 0) == 20000
    ]) == 1
    error_message = "A per-IP rate-based rule (team-sized backstop) must exist."
  }

  assert {
    condition = toset(flatten([
      for r in aws_wafv2_web_acl.this.rule :
      try(r.statement[0].rate_based_statement[0].limit, 0) == 3000 ? [for k in r.statement[0].rate_based_statement[0].custom_key : k.header[0].name] : []
    ])) == toset(["authorization", "x-api-key"])
    error_message = "Rate limits per LiteLLM key: one rule per header a key arrives in."
  }

  assert {
    condition = contains(flatten([
      for r in aws_wafv2_web_acl.this.rule : r.name != "aws-known-bad-inputs" ? [] : [
        for s in r.statement : [
          for m in s.managed_rule_group_statement : [for o in m.rule_action_override : o.name if try(length(o.action_to_use[0].count), 0) == 1]
        ]
      ]
    ]), "Log4JRCE_BODY")
    error_message = "Prompts that mention JNDI lookups must not be blocked: Log4JRCE_BODY counts."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].cache_policy_id == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" && length(aws_cloudfront_distribution.this.default_cache_behavior[0].allowed_methods) == 7
    error_message = "Caching disabled, every method allowed."
  }

  assert {
    condition     = alltrue([for o in aws_cloudfront_distribution.this.origin : length(o.custom_header) == 1 && o.custom_origin_config[0].origin_read_timeout == 60 && o.custom_origin_config[0].origin_protocol_policy == "http-only"])
    error_message = "The origin gets the secret header and the 60 s default read timeout."
  }
}

run "read_timeout_above_the_quota_maximum_is_rejected" {
  command = plan

  variables {
    origin_read_timeout = 240
  }

  expect_failures = [var.origin_read_timeout]
}

run "body_size_override_cannot_be_removed" {
  command = plan

  variables {
    common_rule_set_count_overrides = ["CrossSiteScripting_BODY"]
  }

  expect_failures = [var.common_rule_set_count_overrides]
}

run "admin_clients_of_both_address_families" {
  command = plan

  variables {
    admin_allowed_cidrs = ["203.0.113.10/32", "2001:db8:1234::/48"]
  }

  assert {
    condition     = aws_wafv2_ip_set.admin.addresses == toset(["203.0.113.10/32"]) && aws_wafv2_ip_set.admin_ipv6.addresses == toset(["2001:db8:1234::/48"])
    error_message = "IPv4 and IPv6 admin CIDRs go to the IP set of their family."
  }
}

run "the_whole_internet_is_not_an_admin" {
  command = plan

  variables {
    admin_allowed_cidrs = ["::/0"]
  }

  expect_failures = [var.admin_allowed_cidrs]
}
