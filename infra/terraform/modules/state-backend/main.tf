# State backend: one S3 bucket. Locking uses S3 itself (use_lockfile = true, Terraform >= 1.10): a .tflock
# object written with a conditional put, so no DynamoDB table is needed.

module "bucket" {
  source = "../private-bucket"

  name                    = var.bucket_name
  force_destroy           = false
  noncurrent_version_days = var.noncurrent_version_days
  kms_key_arn             = var.kms_key_arn
  # The binary plans deploy.yml stores between its plan and apply jobs (encrypted with the plan key of
  # modules/github-oidc): needed for one run only.
  expiring_prefixes = { (var.plans_prefix) = var.plans_retention_days }
}

data "aws_region" "current" {}
