# Plan-only plan-only checks of the cache: encrypted, authenticated, token copy write-only.

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

# The random provider is the real one (it needs no account): Terraform 1.11's mock providers cannot open
# ephemeral resources such as ephemeral.random_password.

variables {
  name       = "llmgw-test-redis"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0a", "subnet-0b"]
}

run "encrypted_with_auth_and_failover" {
  command = plan

  assert {
    condition     = aws_elasticache_replication_group.this.transit_encryption_enabled && aws_elasticache_replication_group.this.at_rest_encryption_enabled && aws_elasticache_replication_group.this.automatic_failover_enabled
    error_message = "TLS, encryption at rest and failover with the default replica."
  }

  assert {
    condition     = aws_secretsmanager_secret_version.auth.secret_string_wo_version == 1
    error_message = "The AUTH token's secret copy is written write-only (versioned by auth_token_version)."
  }
}

run "no_replica_no_failover" {
  command = plan

  variables {
    replicas = 0
  }

  assert {
    condition     = !aws_elasticache_replication_group.this.automatic_failover_enabled && aws_elasticache_replication_group.this.num_cache_clusters == 1
    error_message = "Without replicas there is nothing to fail over to."
  }
}
