# Checks of the Grafana service with mocked AWS (apply against the mock: computed values such as S3 object versions
# get values; nothing real is created).

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
  name        = "llmgw-test-grafana"
  init_image  = "ghcr.io/berriai/litellm:v1.106.2"
  cluster_arn = "arn:aws:ecs:us-east-1:111122223333:cluster/llmgw-test"
  vpc_id      = "vpc-0123456789abcdef0"
  subnet_ids  = ["subnet-0a", "subnet-0b"]
  alb = {
    security_group_id = "sg-0a"
    target_group_arn  = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/llmgw-test-grafana/0123456789abcdef"
  }
  public_url    = "https://d111111abcdef8.cloudfront.net"
  config_bucket = { id = "llmgw-test-config", arn = "arn:aws:s3:::llmgw-test-config" }
  grafana_dir   = "../../../grafana"
  victoriametrics = {
    url               = "http://victoriametrics.llmgw-test.internal:8428"
    port              = 8428
    security_group_id = "sg-0b"
  }
  admin_password_secret_arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:llmgw-test/grafana-admin-password-AbCdEf"
}

run "csrf_trusts_the_public_host_and_config_is_pinned" {
  command = apply

  assert {
    condition = one([
      for e in one([for c in jsondecode(output.container_definitions) : c if c.name == "grafana"]).environment :
      e.value if e.name == "GF_SECURITY_CSRF_TRUSTED_ORIGINS"
    ]) == "d111111abcdef8.cloudfront.net"
    error_message = "Behind CloudFront (Host rewritten), Grafana must trust the public host or every POST gets 403."
  }

  assert {
    condition = length(jsondecode(one([
      for e in one([for c in jsondecode(output.container_definitions) : c if c.name == "config-sync"]).environment :
      e.value if e.name == "SYNC_OBJECTS"
    ]))) == length(aws_s3_object.provisioning) + length(aws_s3_object.dashboards)
    error_message = "Every provisioning file and dashboard is copied at its pinned S3 version."
  }
}
