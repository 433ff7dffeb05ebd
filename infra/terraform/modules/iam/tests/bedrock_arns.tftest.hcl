# Plan-only checks of the IAM module with mocked providers: Bedrock access is exactly the listed ARNs.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "us-west-2"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }
}

variables {
  name              = "llmgw-test-litellm"
  config_bucket_arn = "arn:aws:s3:::llmgw-test-config"
  config_prefixes   = ["litellm/config/"]
  bedrock_inference_profile_ids = [
    "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
  ]
}

run "bedrock_resources_are_the_listed_profiles_and_their_models" {
  command = plan

  assert {
    condition = output.bedrock_resource_arns == [
      "arn:aws:bedrock:us-west-2:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
      "arn:aws:bedrock:us-west-2:111122223333:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
      "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    ]
    error_message = "Bedrock access must be exactly the listed inference profiles and their foundation models."
  }
}

run "no_bedrock_without_profiles" {
  command = plan

  variables {
    bedrock_inference_profile_ids = []
  }

  assert {
    condition     = length(output.bedrock_resource_arns) == 0
    error_message = "Services without profiles (Grafana, VictoriaMetrics) get no Bedrock access."
  }
}

run "model_ids_that_are_not_inference_profiles_are_rejected" {
  command = plan

  variables {
    bedrock_inference_profile_ids = ["anthropic.claude-haiku-4-5-20251001-v1:0"]
  }

  expect_failures = [var.bedrock_inference_profile_ids]
}
