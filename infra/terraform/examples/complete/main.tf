# The whole gateway with the module defaults and the least a caller must decide: names, and that this throw-away
# stack may run without an origin certificate and be destroyed. CI runs init/validate/tflint on it; `terraform plan`
# with credentials shows everything the gateway module creates.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = "llmgw"
      Environment = "example"
      ManagedBy   = "terraform"
    }
  }
}

module "gateway" {
  source = "../../modules/gateway"

  project     = "llmgw"
  environment = "example"

  edge = {
    allow_plaintext_origin = true
    alb_deletion_protect   = false
  }

  database = {
    instance_class        = "db.t4g.micro"
    backup_retention_days = 1
    multi_az              = false
    deletion_protection   = false
    skip_final_snapshot   = true
    performance_insights  = false
  }

  redis = null

  alerting = {
    email_addresses  = ["oncall@example.com"]
    runbook_base_url = "https://github.com/example-org/llm-gateway/blob/main/docs/runbooks"
  }

  # The key broker (docs/identity.md): its credential goes into the secret this creates (docs/deployment.md).
  key_broker = {
    enabled = true
  }

  log_retention_days          = 7
  secret_recovery_window_days = 0
}
