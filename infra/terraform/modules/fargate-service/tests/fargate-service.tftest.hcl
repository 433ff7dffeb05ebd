# Checks of the shared Fargate scaffolding with mocked AWS (apply against the mock: nothing real is created).

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
  name                       = "llmgw-test-svc"
  security_group_description = "test service"
  cluster_arn                = "arn:aws:ecs:us-east-1:111122223333:cluster/llmgw-test"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0a", "subnet-0b"]
  cpu                        = 256
  memory                     = 512
  init_image                 = "ghcr.io/berriai/litellm:v1.106.2"
  config_bucket              = { id = "llmgw-test-config", arn = "arn:aws:s3:::llmgw-test-config" }
  config_prefixes            = ["svc/"]
  config_mounts              = [{ volume = "cfg", path = "/etc/svc" }]
  config_objects             = [{ key = "svc/app.yaml", version_id = "v7", path = "/etc/svc/app.yaml" }]
  volumes                    = [{ name = "cfg" }]
  containers = [{
    name      = "app"
    image     = "public.ecr.aws/docker/library/busybox:1.37"
    essential = true
    dependsOn = [{ containerName = "config-sync", condition = "SUCCESS" }]
  }]
}

run "init_container_first_then_the_service" {
  command = apply

  assert {
    condition     = [for c in jsondecode(output.container_definitions) : c.name] == ["config-sync", "app"]
    error_message = "config-sync runs first (the service's containers depend on it), then the caller's containers."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].rollback && length(aws_ecs_service.this.load_balancer) == 0 && length(aws_ecs_service.this.service_registries) == 0
    error_message = "Circuit breaker with rollback; no target group or registry unless given."
  }

  assert {
    condition     = output.log_group_name == "/ecs/llmgw-test-svc"
    error_message = "The containers log to /ecs/<name>, the group this module creates."
  }
}

run "with_a_target_group_and_a_registry" {
  command = plan

  variables {
    service = {
      load_balancer = {
        target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/t/0123456789abcdef"
        container_name   = "app"
        container_port   = 8080
      }
      registry_arn                      = "arn:aws:servicediscovery:us-east-1:111122223333:service/srv-0123456789abcdef"
      health_check_grace_period_seconds = 90
    }
  }

  assert {
    condition     = one(aws_ecs_service.this.load_balancer).container_port == 8080 && length(aws_ecs_service.this.service_registries) == 1 && aws_ecs_service.this.health_check_grace_period_seconds == 90
    error_message = "The target group, the registry and the grace period are passed through."
  }
}
