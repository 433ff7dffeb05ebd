# Plan-only checks of the IAM module with mocked providers: the Bedrock policy is attached exactly as rendered,
# and only to roles that are given one.

mock_provider "aws" {
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
}

variables {
  name              = "llmgw-test-litellm"
  config_bucket_arn = "arn:aws:s3:::llmgw-test-config"
  config_prefixes   = ["litellm/config/"]
  bedrock_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "CountTokensOnConfiguredModels"
      Effect   = "Allow"
      Action   = ["bedrock:CountTokens"]
      Resource = ["arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"]
    }]
  })
}

run "the_rendered_bedrock_policy_is_attached_unchanged" {
  command = plan

  assert {
    condition     = aws_iam_role_policy.bedrock[0].policy == var.bedrock_policy_json && aws_iam_role_policy.bedrock[0].name == "bedrock"
    error_message = "The task role's Bedrock policy must be the rendered document, unchanged."
  }

  assert {
    condition     = output.bedrock_policy_json == var.bedrock_policy_json
    error_message = "The module reports the attached document."
  }
}

run "no_bedrock_without_a_policy" {
  command = plan

  variables {
    bedrock_policy_json = null
  }

  assert {
    condition     = length(aws_iam_role_policy.bedrock) == 0
    error_message = "Services without a Bedrock policy (Grafana, VictoriaMetrics) get no Bedrock access."
  }
}

run "a_policy_that_is_not_iam_json_is_rejected" {
  command = plan

  variables {
    bedrock_policy_json = "{\"Statement\":[]}"
  }

  expect_failures = [var.bedrock_policy_json]
}
