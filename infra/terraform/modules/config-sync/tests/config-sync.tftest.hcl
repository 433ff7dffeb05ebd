# Plan-only plan-only checks of the init container definition: objects are pinned by S3 version.

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
  image          = "ghcr.io/berriai/litellm:v1.106.2"
  bucket         = "llmgw-test-config"
  aws_region     = "us-east-1"
  log_group_name = "/ecs/llmgw-test"
  mounts         = [{ volume = "litellm-config", path = "/etc/litellm" }]
  objects        = [{ key = "litellm/config/config.yaml", version_id = "v1", path = "/etc/litellm/config.yaml" }]
}

run "objects_are_copied_at_their_versions" {
  command = plan

  assert {
    condition     = jsondecode([for e in output.container_definition.environment : e.value if e.name == "SYNC_OBJECTS"][0])[0].version_id == "v1"
    error_message = "SYNC_OBJECTS names every object with its S3 version (a rollback restores the configuration)."
  }

  assert {
    condition     = !contains([for e in output.container_definition.environment : e.name], "SYNC_ITEMS") && output.container_definition.essential == false
    error_message = "No unpinned prefixes when objects are given; the init container is not essential."
  }
}

run "relative_object_paths_are_refused" {
  command = plan

  variables {
    objects = [{ key = "k", version_id = "v1", path = "etc/litellm/config.yaml" }]
  }

  expect_failures = [var.objects]
}
