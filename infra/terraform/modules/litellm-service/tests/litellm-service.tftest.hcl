# Checks of the LiteLLM service with mocked AWS (apply against the mock: S3 object versions and the like get
# values; nothing real is created).

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
  name         = "llmgw-test-litellm"
  cluster_arn  = "arn:aws:ecs:us-east-1:111122223333:cluster/llmgw-test"
  cluster_name = "llmgw-test"
  vpc_id       = "vpc-0123456789abcdef0"
  subnet_ids   = ["subnet-0a", "subnet-0b"]
  alb = {
    security_group_id       = "sg-0a"
    target_group_arn        = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/llmgw-test-litellm/0123456789abcdef"
    arn_suffix              = "app/llmgw-test/0123456789abcdef"
    target_group_arn_suffix = "targetgroup/llmgw-test-litellm/0123456789abcdef"
    idle_timeout            = 900
  }
  service_discovery_namespace_id = "ns-0123456789abcdef"
  config_bucket                  = { id = "llmgw-test-config", arn = "arn:aws:s3:::llmgw-test-config" }
  config_file                    = "../../../litellm/config.yaml"
  callbacks_dir                  = "../../../../callbacks"
  secret_arns = {
    master_key    = "arn:aws:secretsmanager:us-east-1:111122223333:secret:llmgw-test/litellm-master-key-AbCdEf"
    salt_key      = "arn:aws:secretsmanager:us-east-1:111122223333:secret:llmgw-test/litellm-salt-key-AbCdEf"
    metrics_token = "arn:aws:secretsmanager:us-east-1:111122223333:secret:llmgw-test/metrics-token-AbCdEf"
  }
  database = {
    host              = "llmgw-test-db.abc.us-east-1.rds.amazonaws.com"
    port              = 5432
    name              = "litellm"
    resource_id       = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    secret_arn        = "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!db-0123-AbCdEf"
    security_group_id = "sg-0d"
  }
  bedrock_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"bedrock:CountTokens\"],\"Resource\":[\"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6\"]}]}"
}

run "gateway_container_keeps_alive_and_uses_iam_database_auth" {
  command = apply

  assert {
    condition     = one([for e in one([for c in jsondecode(output.container_definitions) : c if c.name == "litellm"]).environment : e.value if e.name == "KEEPALIVE_TIMEOUT"]) == "915"
    error_message = "KEEPALIVE_TIMEOUT must outlast the ALB's idle timeout (900 s + 15 s)."
  }

  assert {
    condition     = one([for e in one([for c in jsondecode(output.container_definitions) : c if c.name == "litellm"]).environment : e.value if e.name == "IAM_TOKEN_DB_AUTH"]) == "True"
    error_message = "The gateway connects with IAM tokens as its own database user."
  }

  assert {
    condition     = one([for e in one([for c in jsondecode(output.container_definitions) : c if c.name == "litellm"]).environment : e.value if e.name == "TIMEOUT_WORKER_HEALTHCHECK"]) == "120"
    error_message = "Workers still importing LiteLLM must outlast uvicorn's worker ping (its 5 s default kills them forever)."
  }

  assert {
    condition     = !contains([for s in one([for c in jsondecode(output.container_definitions) : c if c.name == "litellm"]).secrets : s.name], "DATABASE_PASSWORD")
    error_message = "The gateway container never gets the master password."
  }

  assert {
    condition     = contains([for c in jsondecode(output.container_definitions) : c.name], "db-user") && aws_service_discovery_service.this.force_destroy
    error_message = "The db-user init container exists; Cloud Map is destroyed with its instances."
  }
}

run "unknown_database_user_names_are_refused" {
  command = plan

  variables {
    database = {
      host              = "db"
      port              = 5432
      name              = "litellm"
      resource_id       = "db-X"
      secret_arn        = "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!db-0123-AbCdEf"
      security_group_id = "sg-0d"
      app_user          = "app; drop"
    }
  }

  expect_failures = [var.database]
}

run "the_metrics_server_serves_the_scraper_with_its_own_token" {
  command = apply

  assert {
    condition     = one([for c in jsondecode(output.container_definitions) : c.entryPoint if c.name == "metrics"]) == ["python3", "-m", "llmgw_callbacks.metrics_server"] && output.metrics_port == 4001
    error_message = "A metrics sidecar runs llmgw_callbacks.metrics_server on port 4001, what VictoriaMetrics scrapes."
  }

  assert {
    condition     = [for s in one([for c in jsondecode(output.container_definitions) : c if c.name == "metrics"]).secrets : s.name] == ["LLMGW_METRICS_TOKEN"] && one([for c in jsondecode(output.container_definitions) : c if c.name == "metrics"]).secrets[0].valueFrom == "arn:aws:secretsmanager:us-east-1:111122223333:secret:llmgw-test/metrics-token-AbCdEf"
    error_message = "The metrics server gets its own token from Secrets Manager and no other secret (never the master key)."
  }

  assert {
    condition     = contains([for m in one([for c in jsondecode(output.container_definitions) : c if c.name == "metrics"]).mountPoints : m.sourceVolume], "prometheus-multiproc")
    error_message = "It reads the workers' shared PROMETHEUS_MULTIPROC_DIR."
  }
}
