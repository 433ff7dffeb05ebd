provider "aws" {
  region = var.aws_region

  # The one place names and tags come from: every taggable resource of the stack gets these.
  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
      Repository  = "claude-bedrock-gateway"
    })
  }
}
