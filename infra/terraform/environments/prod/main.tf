# prod: NAT gateway per AZ, Multi-AZ database with deletion protection, Redis shared by the tasks, 2+ tasks.

module "gateway" {
  source = "../../modules/gateway"

  project     = var.project
  environment = var.environment

  network = {
    az_count         = 3
    nat_gateway_mode = "per_az"
  }

  litellm = {
    cpu              = 2048
    memory           = 4096
    workers_per_task = 2
    desired_count    = 2
    min_capacity     = 2
    max_capacity     = 12
    image_digest     = var.litellm_image_digest
  }

  database = {
    instance_class        = "db.t4g.medium"
    multi_az              = true
    backup_retention_days = 14
    deletion_protection   = true
  }

  redis = {
    node_type = "cache.t4g.small"
    replicas  = 1
  }

  edge = {
    custom_domain          = var.custom_domain
    origin_certificate_arn = var.origin_certificate_arn
    origin_domain_name     = var.origin_domain_name
    origin_read_timeout    = var.origin_read_timeout
    admin_allowed_cidrs    = var.admin_allowed_cidrs
    alb_deletion_protect   = true
  }

  observability = {
    retention_period = "1y"
  }

  grafana = {
    sso    = var.grafana_sso
    public = var.grafana_public
  }

  alerting = var.alerting

  key_broker = var.key_broker

  log_retention_days = 365
}
