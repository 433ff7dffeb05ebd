terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.45.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.7.2"
    }
  }

  # bucket and region come from backend.hcl (terraform init -backend-config=backend.hcl); locking is native S3
  # locking (a .tflock object next to the state), no DynamoDB table.
  backend "s3" {
    key          = "llmgw/dev/terraform.tfstate"
    use_lockfile = true
    encrypt      = true
  }
}
