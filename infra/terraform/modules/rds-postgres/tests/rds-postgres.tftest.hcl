# Plan-only plan-only checks of the database: private, encrypted, managed password, unique final snapshot.

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
  name       = "llmgw-test-db"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0a", "subnet-0b"]
}

run "private_encrypted_iam_auth" {
  command = plan

  assert {
    condition     = !aws_db_instance.this.publicly_accessible && aws_db_instance.this.storage_encrypted && aws_db_instance.this.iam_database_authentication_enabled && aws_db_instance.this.manage_master_user_password
    error_message = "Private, encrypted, IAM authentication on (the gateway's own user), master password managed by RDS."
  }

}

# apply against the mocked providers: the random suffix gets a value, nothing real is created.
run "final_snapshot_name_is_unique_per_instance" {
  command = apply

  assert {
    condition     = startswith(aws_db_instance.this.final_snapshot_identifier, "llmgw-test-db-final-") && aws_db_instance.this.final_snapshot_identifier != "llmgw-test-db-final-"
    error_message = "The final snapshot name carries a per-instance suffix (a second destroy of the same name must not collide)."
  }
}

run "retention_outside_rds_limits_is_refused" {
  command = plan

  variables {
    backup_retention_days = 40
  }

  expect_failures = [var.backup_retention_days]
}
