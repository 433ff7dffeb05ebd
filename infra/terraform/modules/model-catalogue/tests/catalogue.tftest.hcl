# No provider: `terraform test` of this module runs anywhere, offline (tests/terraform/test_terraform_cli.py runs
# it locally, CI's terraform job with the other modules).

variables {
  region     = "us-east-1"
  partition  = "aws"
  account_id = "111122223333"
}

run "repository_catalogue_renders_a_scoped_policy" {
  command = plan

  assert {
    condition     = length(output.inference_profile_ids) == length(output.bedrock_models) && alltrue([for id in output.inference_profile_ids : startswith(id, "${output.profile_prefix}.")])
    error_message = "One inference profile per catalogue model, named <profile_prefix>.<bedrock_model>."
  }

  assert {
    condition     = jsondecode(output.bedrock_policy_json).Version == "2012-10-17" && contains([for s in jsondecode(output.bedrock_policy_json).Statement : s.Sid], "CountTokensOnConfiguredModels")
    error_message = "The policy is IAM JSON and grants CountTokens."
  }
}

run "us_profiles_without_mantle_models" {
  command = plan

  variables {
    region         = "us-west-2"
    catalogue_file = "./tests/us-only.yaml"
  }

  assert {
    condition     = output.inference_profile_ids == ["us.anthropic.claude-haiku-4-5-20251001-v1:0"] && length(output.mantle_count_tokens_models) == 0
    error_message = "us. profiles, no bedrock-mantle statement when no model counts there."
  }

  assert {
    condition     = !strcontains(output.bedrock_policy_json, "bedrock-mantle")
    error_message = "No bedrock-mantle permission without a model that needs it."
  }
}

run "region_outside_the_prefix_is_refused" {
  command = plan

  variables {
    region         = "eu-west-1"
    catalogue_file = "./tests/us-only.yaml"
  }

  expect_failures = [output.inference_profile_ids, output.bedrock_policy_json]
}
