# State backend: one S3 bucket. Locking uses S3 itself (use_lockfile = true, Terraform >= 1.10): a .tflock
# object written with a conditional put, so no DynamoDB table is needed.

module "bucket" {
  source = "../private-bucket"

  name                    = var.bucket_name
  force_destroy           = false
  noncurrent_version_days = var.noncurrent_version_days
  kms_key_arn             = var.kms_key_arn
}

data "aws_region" "current" {}
