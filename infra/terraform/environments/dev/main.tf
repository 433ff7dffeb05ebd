# dev: one NAT gateway, only the Bedrock endpoint (ECR, logs and Secrets Manager go through the NAT gateway),
# single-AZ database without deletion protection, no Redis, small tasks.

module "gateway" {
  source = "../../modules/gateway"

  project     = var.project
  environment = var.environment

  network = {
    az_count            = 2
    nat_gateway_mode    = "single"
    interface_endpoints = ["bedrock-runtime"]
  }

  litellm = {
    cpu              = 1024
    memory           = 2048
    workers_per_task = 1
    desired_count    = 1
    min_capacity     = 1
    max_capacity     = 3
    image_digest     = var.litellm_image_digest
  }

  database = {
    instance_class        = "db.t4g.micro"
    multi_az              = false
    backup_retention_days = 3
    deletion_protection   = false
    skip_final_snapshot   = true
    # Performance Insights is not offered on every micro class; prod (db.t4g.medium) keeps it.
    performance_insights = false
  }

  redis = null

  edge = {
    custom_domain          = var.custom_domain
    origin_certificate_arn = var.origin_certificate_arn
    origin_domain_name     = var.origin_domain_name
    # A throw-away dev stack may run without an origin certificate (HTTP on 80, CloudFront addresses and the
    # secret header only); prod may not, and its plan stops until origin_certificate_arn is set.
    allow_plaintext_origin = true
    origin_read_timeout    = var.origin_read_timeout
    admin_allowed_cidrs    = var.admin_allowed_cidrs
    alb_deletion_protect   = false
  }

  observability = {
    retention_period = "30d"
  }

  grafana = {
    sso    = var.grafana_sso
    public = var.grafana_public
  }

  alerting = var.alerting

  key_broker = var.key_broker

  log_retention_days          = 30
  secret_recovery_window_days = 0
}
