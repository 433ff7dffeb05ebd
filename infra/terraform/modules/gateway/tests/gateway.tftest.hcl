# Plan-only checks of the whole composition with mocked AWS (and the real random provider: Terraform 1.11's mock
# providers cannot open ephemeral resources): inputs that are wrong together are refused.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_availability_zones" {
    defaults = {
      names = ["us-east-1a", "us-east-1b", "us-east-1c"]
    }
  }

  mock_data "aws_ec2_managed_prefix_list" {
    defaults = {
      id = "pl-3b927c52"
    }
  }

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
  environment = "test"
  edge = {
    allow_plaintext_origin = true
  }
}

run "throw_away_stack_plans" {
  command = plan

  assert {
    condition     = output.nat_gateway_count == 2
    error_message = "Default network: two zones, one NAT gateway each."
  }
}

run "plaintext_origin_is_refused_unless_allowed" {
  command = plan

  variables {
    edge = {}
  }

  expect_failures = [var.edge]
}

run "litellm_timeouts_above_the_edge_read_timeout_are_refused" {
  command = plan

  variables {
    edge = {
      allow_plaintext_origin = true
      origin_read_timeout    = 60
    }
  }

  expect_failures = [output.gateway_url]
}

run "a_public_grafana_needs_sso" {
  command = plan

  variables {
    grafana = { public = true }
  }

  expect_failures = [var.grafana]
}

run "the_key_broker_is_off_by_default" {
  command = plan

  assert {
    condition     = output.key_broker == null && length(module.key_broker) == 0
    error_message = "Without key_broker.enabled there is no broker, no broker route and no broker secret."
  }
}

run "the_key_broker_when_enabled" {
  command = plan

  variables {
    key_broker = { enabled = true }
  }

  assert {
    condition     = length(module.key_broker) == 1 && length(module.broker_routes.waf_groups) == 2
    error_message = "key_broker.enabled deploys the broker and renders its two public routes (GET config, POST keys)."
  }
}
