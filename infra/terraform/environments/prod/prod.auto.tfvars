# Inputs of the prod stack: committed, never secret, read by every plan and apply of this root (laptop, the PR plan,
# the deploy). Every variable of variables.tf is set here on purpose (none has a default): a value that lived only
# on a laptop would be undone by the next CI apply. Change them in a pull request. Secrets are never inputs:
# Terraform generates them write-only into Secrets Manager. docs/deployment.md ("Inputs") explains each one.

aws_region  = "us-east-1"
project     = "llmgw"
environment = "prod"

tags = {
  Owner      = "platform-team"
  CostCenter = "ai-tooling"
}

# A public name for the gateway ({ name, route53_zone_id }); null: the *.cloudfront.net name.
custom_domain = null

# HTTPS between CloudFront and the ALB, required in prod: an ACM certificate in aws_region for origin_domain_name
# (a CNAME of the ALB's DNS name). Until both are set, the prod plan stops with a message saying so.
origin_certificate_arn = null
origin_domain_name     = null

# Seconds CloudFront waits for the origin's first byte and between two reads. 180 needs the Service Quotas increase
# "Response timeout per origin" (CloudFront, request it once per account before the first apply; without it the
# API refuses values above 60). It must stay above LiteLLM's timeouts in infra/litellm/config.yaml (170 s for an
# answer, 40 s between stream chunks): the plan checks it. docs/deployment.md, timeouts.
origin_read_timeout = 180

# Clients (IPv4 or IPv6 CIDRs) that may use the admin routes through CloudFront, e.g. ["203.0.113.10/32"].
admin_allowed_cidrs = []

# sha256 digest of the versions.env LiteLLM tag (docs/deployment.md shows how to look it up); null: the tag alone.
litellm_image_digest = null

# Grafana: reachable by admin clients only (admin_allowed_cidrs or the private admin path, docs/security-edge.md).
# Single sign-on (OIDC) puts it behind the IdP; grafana_public = true (which requires it) opens /grafana to all.
grafana_sso    = null
grafana_public = false

# Who gets paged (docs/deployment.md, "On-call"). E-mail addresses are subscribed to the alert topic (SNS); each
# receives a confirmation e-mail from AWS and gets alerts once confirmed. https_endpoints: PagerDuty/Opsgenie SNS
# integration URLs. A Slack incoming webhook (or any webhook whose URL is a secret) goes into Secrets Manager
# (aws secretsmanager create-secret --name llmgw-prod-alerts-slack --secret-string 'https://hooks.slack.com/...')
# and only its ARN here. runbook_base_url: where your team browses this repository's docs/runbooks.
alerting = {
  email_addresses          = []
  https_endpoints          = []
  slack_webhook_secret_arn = null
  slack_channel            = null
  webhook_secret_arns      = []
  runbook_base_url         = "https://github.com/your-org/llm-gateway/blob/main/docs/runbooks"
}

# The key broker (docs/identity.md): developers and CI get short-lived keys from their AWS identity or SSO instead of
# an admin. true deploys it; then mint its credential into the secret the apply creates (docs/deployment.md,
# "Key broker") and edit infra/broker/policy.yaml for your accounts, IdP and repositories first.
key_broker = {
  enabled = false
}
