terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.45.0"
    }
  }

  # The bucket that will hold every other state cannot hold its own before it exists: this root keeps a local
  # state (terraform.tfstate here, git-ignored). Keep that file safe, or import the bucket again if lost.
}
