# Checks of the key broker service with mocked AWS (apply against the mock: computed values such as S3 object
# versions get values; nothing real is created).

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
  name        = "llmgw-test-key-broker"
  image       = "ghcr.io/berriai/litellm:v1.106.2"
  cluster_arn = "arn:aws:ecs:us-east-1:111122223333:cluster/llmgw-test"
  vpc_id      = "vpc-0123456789abcdef0"
  subnet_ids  = ["subnet-0a", "subnet-0b"]
  alb = {
    security_group_id = "sg-0a"
    target_group_arn  = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/llmgw-test-broker/0123456789abcdef"
  }
  litellm = {
    url               = "http://litellm.llmgw-test.internal:4000"
    port              = 4000
    security_group_id = "sg-0c"
  }
  admin_key_secret_arn           = "arn:aws:secretsmanager:us-east-1:111122223333:secret:llmgw-test/key-broker-admin-key-AbCdEf"
  config_bucket                  = { id = "llmgw-test-config", arn = "arn:aws:s3:::llmgw-test-config" }
  policy_file                    = "../../../broker/policy.yaml"
  gateway_config_file            = "../../../litellm/config.yaml"
  source_dir                     = "../../../../src/llmgw"
  service_discovery_namespace_id = "ns-0123456789abcdef"
}

run "the_credential_is_an_ecs_secret_and_the_files_are_pinned" {
  command = apply

  assert {
    condition     = [for s in one([for c in jsondecode(output.container_definitions) : c if c.name == "key-broker"]).secrets : s.name] == ["LLMGW_BROKER_ADMIN_KEY"]
    error_message = "The broker's credential is an ECS secret (Secrets Manager), never an environment value."
  }

  assert {
    condition     = length([for e in one([for c in jsondecode(output.container_definitions) : c if c.name == "key-broker"]).environment : e if e.name == "LLMGW_BROKER_ADMIN_KEY"]) == 0
    error_message = "No key in the task definition's environment."
  }

  assert {
    condition = length(jsondecode(one([
      for e in one([for c in jsondecode(output.container_definitions) : c if c.name == "config-sync"]).environment :
      e.value if e.name == "SYNC_OBJECTS"
    ]))) == 2 + length(output.code_files)
    error_message = "The policy, the gateway config and every code file are copied at their pinned S3 versions."
  }

  assert {
    condition     = contains(output.code_files, "broker/__main__.py") && contains(output.code_files, "admin/users.py")
    error_message = "The broker's package and the llmgw.admin modules it imports are uploaded."
  }
}

run "its_own_health_check_and_the_admin_api_inside_the_vpc" {
  command = apply

  assert {
    condition     = output.health_check_path == "/broker/healthz" && strcontains(jsonencode(one([for c in jsondecode(output.container_definitions) : c if c.name == "key-broker"]).healthCheck.command), "/broker/healthz")
    error_message = "The broker has a health check of its own."
  }

  assert {
    condition     = contains(one([for c in jsondecode(output.container_definitions) : c if c.name == "key-broker"]).command, "http://litellm.llmgw-test.internal:4000")
    error_message = "The broker calls LiteLLM's admin API on its Cloud Map name."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.litellm.referenced_security_group_id == "sg-0c" && aws_vpc_security_group_egress_rule.litellm.from_port == 4000
    error_message = "The broker may reach LiteLLM's port and security group only (besides the shared HTTPS egress)."
  }
}

run "a_plain_credential_is_refused" {
  command = plan

  variables {
    admin_key_secret_arn = "sk-1234567890"
  }

  expect_failures = [var.admin_key_secret_arn]
}

run "a_gateway_url_with_a_path_is_refused" {
  command = plan

  variables {
    litellm = {
      url               = "http://litellm.llmgw-test.internal:4000/"
      port              = 4000
      security_group_id = "sg-0c"
    }
  }

  expect_failures = [var.litellm]
}
