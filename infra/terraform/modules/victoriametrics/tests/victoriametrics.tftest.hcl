# Checks of the VictoriaMetrics service with mocked AWS (apply against the mock: nothing real is created).

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
  name                             = "llmgw-test-vm"
  environment                      = "test"
  alerts_dir                       = "../../../grafana/alerts"
  scrape_template                  = "../../../victoriametrics/scrape.yml.tftpl"
  init_image                       = "ghcr.io/berriai/litellm:v1.106.2"
  cluster_arn                      = "arn:aws:ecs:us-east-1:111122223333:cluster/llmgw-test"
  vpc_id                           = "vpc-0123456789abcdef0"
  subnet_ids                       = ["subnet-0a", "subnet-0b"]
  service_discovery_namespace_id   = "ns-0123456789abcdef"
  service_discovery_namespace_name = "llmgw-test.internal"
  config_bucket                    = { id = "llmgw-test-config", arn = "arn:aws:s3:::llmgw-test-config" }
  litellm = {
    service_discovery_name = "litellm"
    port                   = 4000
    security_group_id      = "sg-0c"
    metrics_token_arn      = "arn:aws:secretsmanager:us-east-1:111122223333:secret:llmgw-test/litellm-master-key-AbCdEf"
  }
}

run "scrapes_every_task_and_destroys_cleanly" {
  command = apply

  assert {
    condition     = strcontains(aws_s3_object.scrape.content, "litellm.llmgw-test.internal") && aws_service_discovery_service.this.force_destroy
    error_message = "DNS SD on the LiteLLM tasks' Cloud Map name; destroy deregisters instances (force_destroy)."
  }

  assert {
    condition     = output.deployment_maximum_percent == 100 && aws_efs_file_system.this.encrypted
    error_message = "One task owns the EFS data directory at a time; storage is encrypted."
  }
}
