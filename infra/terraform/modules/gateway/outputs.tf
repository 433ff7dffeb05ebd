output "gateway_url" {
  description = "Public URL of the gateway (ANTHROPIC_BASE_URL / OpenAI base_url + /v1)."
  value       = module.cloudfront.url

  precondition {
    condition     = local.timeouts_fit_the_edge
    error_message = "LiteLLM's timeouts in infra/litellm/config.yaml, times their attempts (${jsonencode(local.litellm_timeouts)} s), plus ${local.litellm_overhead} s of its own overhead must stay below CloudFront's origin_read_timeout (${var.edge.origin_read_timeout} s), or long calls get a 504 from the edge while Bedrock keeps generating: request the quota increase to 180 s (docs/deployment.md) or lower them."
  }
}

output "grafana_url" {
  description = "URL of Grafana (user admin, password in the grafana-admin-password secret, or SSO): reachable from admin_allowed_cidrs or the private admin path, from everywhere only with grafana.public (docs/security-edge.md)."
  value       = module.grafana.url
}

output "secret_arns" {
  description = "ARNs of the secrets (never their values): LiteLLM master and salt keys, Grafana admin password, metrics token, RDS master user, Redis AUTH token, the key broker's credential."
  value = merge(
    {
      litellm_master_key     = module.secrets.arns["litellm-master-key"]
      litellm_salt_key       = module.secrets.arns["litellm-salt-key"]
      grafana_admin_password = module.secrets.arns["grafana-admin-password"]
      metrics_token          = module.secrets.arns["metrics-token"]
      database_master_user   = module.database.master_user_secret_arn
    },
    var.redis == null ? {} : { redis_auth_token = module.redis[0].auth_secret_arn },
    var.key_broker.enabled ? { key_broker_admin_key = module.secrets.arns["key-broker-admin-key"] } : {},
  )
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.ecs_cluster.name
}

output "litellm_service_name" {
  description = "Name of the LiteLLM ECS service (aws ecs update-service --force-new-deployment)."
  value       = module.litellm.service_name
}

output "litellm_image" {
  description = "LiteLLM image reference the tasks run."
  value       = module.litellm.image
}

output "litellm_log_group" {
  description = "CloudWatch log group of the LiteLLM tasks."
  value       = module.litellm.log_group_name
}

output "cloudfront_distribution_id" {
  description = "ID of the CloudFront distribution."
  value       = module.cloudfront.distribution_id
}

output "web_acl_arn" {
  description = "ARN of the WAF web ACL."
  value       = module.cloudfront.web_acl_arn
}

output "config_bucket" {
  description = "Bucket holding the configuration objects the tasks copy at start."
  value       = module.config_bucket.id
}

output "nat_gateway_count" {
  description = "Number of NAT gateways."
  value       = module.network.nat_gateway_count
}

output "alerting" {
  description = "Where alerts go: the SNS topic and its subscribers managed by Terraform (e-mail subscribers receive alerts once they confirm AWS's subscription e-mail)."
  value = {
    topic_arn       = module.alerting.topic_arn
    email_addresses = var.alerting.email_addresses
    https_endpoints = length(var.alerting.https_endpoints)
    webhooks        = length(var.alerting.webhook_secret_arns) + (var.alerting.slack_webhook_secret_arn == null ? 0 : 1)
  }
}

output "key_broker" {
  description = "The key broker (null unless key_broker.enabled): its public URL, ECS service, log group (the audit log) and the ARN of the secret its credential goes into (never the value)."
  value = var.key_broker.enabled ? {
    url                  = "${module.cloudfront.url}/broker/v1"
    service_name         = module.key_broker[0].service_name
    log_group_name       = module.key_broker[0].log_group_name
    admin_key_secret_arn = module.secrets.arns["key-broker-admin-key"]
  } : null
}
