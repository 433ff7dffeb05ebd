# Plan-only plan-only checks of the generated secrets: write-only, named <name>/<key>.

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

# The random provider is the real one (it needs no account): Terraform 1.11's mock providers cannot open
# ephemeral resources such as ephemeral.random_password.

variables {
  name = "llmgw-test"
  secrets = {
    litellm-master-key = {
      description = "test master key"
      prefix      = "sk-"
    }
  }
}

run "values_are_write_only" {
  command = plan

  assert {
    condition     = aws_secretsmanager_secret.this["litellm-master-key"].name == "llmgw-test/litellm-master-key" && aws_secretsmanager_secret_version.this["litellm-master-key"].secret_string_wo_version == 1
    error_message = "One secret per key, its version written write-only."
  }
}

run "a_secret_made_elsewhere_gets_no_value_from_terraform" {
  command = plan

  variables {
    secrets = {
      litellm-master-key = {
        description = "test master key"
        prefix      = "sk-"
      }
      key-broker-admin-key = {
        description = "minted by python -m llmgw.broker credential, put by an operator"
        generate    = false
      }
    }
  }

  assert {
    condition     = aws_secretsmanager_secret.this["key-broker-admin-key"].name == "llmgw-test/key-broker-admin-key" && !contains(keys(aws_secretsmanager_secret_version.this), "key-broker-admin-key") && contains(keys(aws_secretsmanager_secret_version.this), "litellm-master-key")
    error_message = "generate = false creates the secret and writes no version: the operator puts the value."
  }
}

run "short_secrets_are_refused" {
  command = plan

  variables {
    secrets = {
      weak = {
        description = "too short"
        length      = 8
      }
    }
  }

  expect_failures = [var.secrets]
}

run "recovery_window_limits" {
  command = plan

  variables {
    recovery_window_in_days = 3
  }

  expect_failures = [var.recovery_window_in_days]
}
