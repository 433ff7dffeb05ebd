# Plan-only checks of the GitHub OIDC roles: exact subjects, read-only plan role, environment-bound apply role.

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
  name_prefix        = "llmgw-test"
  github_repository  = "acme/claude-gateway"
  apply_environments = ["dev", "prod"]
  apply_policy_arns  = ["arn:aws:iam::111122223333:policy/llmgw-deployer"]
  state_bucket_arn   = "arn:aws:s3:::acme-terraform-state"
  state_key_prefix   = "llmgw/"
}

run "roles_trust_exact_subjects" {
  command = plan

  assert {
    condition     = strcontains(aws_iam_role.apply.assume_role_policy, "repo:acme/claude-gateway:environment:prod") && !strcontains(aws_iam_role.apply.assume_role_policy, "pull_request")
    error_message = "The apply role trusts the GitHub environments only, never a pull request."
  }

  assert {
    condition     = strcontains(aws_iam_role.plan.assume_role_policy, "repo:acme/claude-gateway:pull_request")
    error_message = "The plan role trusts pull requests (and main)."
  }
}

run "an_apply_role_without_environments_is_refused" {
  command = plan

  variables {
    apply_environments = []
  }

  expect_failures = [var.apply_environments]
}
