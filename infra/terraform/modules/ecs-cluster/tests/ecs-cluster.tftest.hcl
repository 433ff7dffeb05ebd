# Plan-only plan-only checks of the cluster and its service discovery namespace.

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
  name   = "llmgw-test"
  vpc_id = "vpc-0123456789abcdef0"
}

run "cluster_with_insights_and_a_private_namespace" {
  command = plan

  assert {
    condition     = aws_ecs_cluster.this.name == "llmgw-test" && one([for s in aws_ecs_cluster.this.setting : s.name if s.name == "containerInsights"]) == "containerInsights"
    error_message = "Container Insights is configured on the cluster."
  }

  assert {
    condition     = aws_service_discovery_private_dns_namespace.this.name == "llmgw-test.internal"
    error_message = "Tasks register under <name>.internal by default."
  }
}
