# The whole gateway as one composition: environments call this module with their sizes.
#   network -> alb (+ origin secret) -> cloudfront/WAF -> ecs-cluster -> rds-postgres (+ redis)
#   -> litellm-service -> victoriametrics (+ vmalert, Alertmanager -> alerting/SNS) -> grafana, and optionally the
#   key broker (var.key_broker). Secrets are generated write-only (secrets module).

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  name = "${var.project}-${var.environment}"
  repo = "${path.module}/../../../.."

  config_file     = "${local.repo}/infra/litellm/config.yaml"
  callbacks_dir   = "${local.repo}/callbacks"
  grafana_dir     = "${local.repo}/infra/grafana"
  scrape_template = "${local.repo}/infra/victoriametrics/scrape.yml.tftpl"
  alerts_dir      = "${local.repo}/infra/grafana/alerts"
  alertmanager    = "${local.repo}/infra/alertmanager/alertmanager.yml"
  broker_policy   = "${local.repo}/infra/broker/policy.yaml"
  broker_routes   = "${local.repo}/infra/broker/public-routes.yaml"
  source_dir      = "${local.repo}/src/llmgw"
  https_origin    = var.edge.origin_certificate_arn != null

  # LiteLLM's upstream timeouts (config.yaml) against CloudFront's origin read timeout: the gateway must give up
  # (and cancel the Bedrock call) before the edge cuts the response with a 504.
  # A call that times out may be tried again (retry_policy.TimeoutErrorRetries); LiteLLM 1.106.2 gives up on a
  # silent stream on /v1/messages only after ~4 x stream_timeout, and adds up to ~2 s of its own before it answers
  # (both measured, tests/gateway/test_edge_timeouts.py): 5 s of headroom.
  litellm_settings = yamldecode(file(local.config_file))
  timeout_attempts = 1 + try(local.litellm_settings.router_settings.retry_policy.TimeoutErrorRetries, 0)
  stream_reads     = 4
  litellm_overhead = 5
  litellm_timeouts = {
    request_timeout = try(local.litellm_settings.litellm_settings.request_timeout, 600) * local.timeout_attempts
    router_timeout  = try(local.litellm_settings.router_settings.timeout, 600) * local.timeout_attempts
    stream_timeout  = try(local.litellm_settings.router_settings.stream_timeout, 600) * local.timeout_attempts * local.stream_reads
  }
  timeouts_fit_the_edge = alltrue([for t in values(local.litellm_timeouts) : t + local.litellm_overhead < var.edge.origin_read_timeout])

  # The key broker (var.key_broker): its secret has no value until an operator puts the credential.
  broker         = var.key_broker.enabled
  broker_secrets = local.broker ? { key-broker-admin-key = { description = "The key broker's LiteLLM credential (LLMGW_BROKER_ADMIN_KEY): minted by python -m llmgw.broker credential, put by an operator", generate = false } } : {}

  # Grafana on the public path only with SSO (var.grafana).
  grafana_paths  = ["/grafana", "/grafana/*"]
  grafana_public = var.grafana.public
}

# The model catalogue (infra/litellm/models.yaml), read in this one place: the inference profiles LiteLLM calls, the
# task role's Bedrock policy, and the check that the stack's region is served by the catalogue's profile prefix.
module "models" {
  source = "../model-catalogue"

  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
}

module "network" {
  source = "../network"

  name                    = local.name
  cidr_block              = var.network.cidr_block
  az_count                = var.network.az_count
  nat_gateway_mode        = var.network.nat_gateway_mode
  interface_endpoints     = var.network.interface_endpoints
  flow_log_retention_days = var.log_retention_days
}

module "secrets" {
  source = "../secrets"

  name                    = local.name
  recovery_window_in_days = var.secret_recovery_window_days
  secrets = merge({
    litellm-master-key = {
      description = "LiteLLM master key (admin tooling only)"
      prefix      = "sk-"
    }
    metrics-token = {
      description = "Bearer token of the metrics server beside LiteLLM: VictoriaMetrics scrapes with it; it reads the metrics and nothing else"
    }
    litellm-salt-key = {
      description = "LiteLLM salt key: encrypts credentials stored in the database. Never rotate once data exists."
      prefix      = "sk-"
    }
    grafana-admin-password = {
      description = "Grafana admin password (user admin)"
      length      = 32
    }
  }, local.broker_secrets)
}

module "config_bucket" {
  source = "../private-bucket"

  name                    = "${local.name}-config-${data.aws_caller_identity.current.account_id}"
  force_destroy           = var.config_bucket_force_destroy
  noncurrent_version_days = 30
  # Task definition revisions name exact object versions: keep the last 20 of each file beyond the 30 days, so the
  # deployment circuit breaker or an operator can roll back to an older revision and get its configuration.
  noncurrent_versions_to_keep = 20
}

module "alb" {
  source = "../alb"

  name                = local.name
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  idle_timeout        = var.edge.alb_idle_timeout
  certificate_arn     = var.edge.origin_certificate_arn
  deletion_protection = var.edge.alb_deletion_protect
  targets = {
    # Grafana: admin clients only (the WAF admin header), unless it has SSO and is public (local.grafana_public).
    grafana = {
      port              = 3000
      health_check_path = "/grafana/api/health"
      priority          = 20
      public_rules      = local.grafana_public ? [{ path_patterns = local.grafana_paths }] : []
      admin             = { priority = 25, path_patterns = local.grafana_paths }
    }
    # LiteLLM: the allowlist for everyone, any path for admin clients (after Grafana's rules).
    litellm = {
      port                 = 4000
      health_check_path    = "/health/liveliness"
      priority             = 200
      deregistration_delay = var.litellm.drain_seconds
      public_rules         = module.public_routes.alb_rules
      admin                = { priority = 1000 }
    }
    # The key broker (var.key_broker): its public routes for everyone (infra/broker/public-routes.yaml), /broker/*
    # for admin clients (e.g. /broker/healthz), both before LiteLLM's rules.
    broker = {
      enabled           = local.broker
      port              = 4020
      health_check_path = "/broker/healthz"
      priority          = 100
      public_rules      = local.broker ? module.broker_routes.alb_rules : []
      admin             = { priority = 150, path_patterns = ["/broker/*"] }
    }
  }
}

# The allowlist of the public path (infra/litellm/public-routes.yaml) as WAF regexes and ALB path rules.
module "public_routes" {
  source = "../public-routes"
}

# The key broker's routes (infra/broker/public-routes.yaml): their WAF groups join LiteLLM's, their ALB rules go to
# the broker's target group, when it is enabled. Rendered either way (no resources, no provider): with a count,
# checkov stopped resolving the alb module's inputs from the callers (its CKV_AWS_150 evaluation vanished).
module "broker_routes" {
  source = "../public-routes"

  routes_file  = local.broker_routes
  group_prefix = "broker-"
}

module "cloudfront" {
  source = "../cloudfront"

  public_routes        = concat(module.public_routes.waf_groups, local.broker ? module.broker_routes.waf_groups : [])
  public_path_prefixes = local.grafana_public ? ["/grafana"] : []
  admin_header         = module.alb.admin_header

  name                        = local.name
  origin_domain_name          = local.https_origin ? var.edge.origin_domain_name : module.alb.dns_name
  origin_protocol             = module.alb.listener_protocol
  origin_header               = module.alb.origin_header
  origin_read_timeout         = var.edge.origin_read_timeout
  custom_domain               = var.edge.custom_domain
  price_class                 = var.edge.price_class
  rate_limit_per_key_per_5min = var.edge.rate_limit_per_key_per_5min
  rate_limit_per_ip_per_5min  = var.edge.rate_limit_per_ip_per_5min
  admin_allowed_cidrs         = var.edge.admin_allowed_cidrs
  waf_log_retention_days      = var.log_retention_days
}

module "ecs_cluster" {
  source = "../ecs-cluster"

  name   = local.name
  vpc_id = module.network.vpc_id
}

module "database" {
  source = "../rds-postgres"

  name                  = "${local.name}-db"
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.private_subnet_ids
  instance_class        = var.database.instance_class
  allocated_storage     = var.database.allocated_storage
  max_allocated_storage = var.database.max_allocated_storage
  multi_az              = var.database.multi_az
  backup_retention_days = var.database.backup_retention_days
  deletion_protection   = var.database.deletion_protection
  skip_final_snapshot   = var.database.skip_final_snapshot
  performance_insights  = var.database.performance_insights
}

module "redis" {
  source = "../elasticache-redis"
  count  = var.redis == null ? 0 : 1

  name       = "${local.name}-redis"
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids
  node_type  = var.redis.node_type
  replicas   = var.redis.replicas
}

module "litellm" {
  source = "../litellm-service"

  name         = "${local.name}-litellm"
  cluster_arn  = module.ecs_cluster.arn
  cluster_name = module.ecs_cluster.name
  vpc_id       = module.network.vpc_id
  subnet_ids   = module.network.private_subnet_ids
  image = {
    repository = var.litellm.image_repository
    tag        = var.litellm.image_tag
    digest     = var.litellm.image_digest
  }
  alb = {
    security_group_id       = module.alb.security_group_id
    target_group_arn        = module.alb.target_group_arns["litellm"]
    arn_suffix              = module.alb.arn_suffix
    target_group_arn_suffix = module.alb.target_group_arn_suffixes["litellm"]
    idle_timeout            = module.alb.idle_timeout
  }
  service_discovery_namespace_id = module.ecs_cluster.namespace_id
  config_bucket                  = { id = module.config_bucket.id, arn = module.config_bucket.arn }
  config_file                    = local.config_file
  callbacks_dir                  = local.callbacks_dir
  secret_arns = {
    master_key    = module.secrets.arns["litellm-master-key"]
    salt_key      = module.secrets.arns["litellm-salt-key"]
    metrics_token = module.secrets.arns["metrics-token"]
  }
  database = {
    host              = module.database.address
    port              = module.database.port
    name              = module.database.database_name
    resource_id       = module.database.resource_id
    secret_arn        = module.database.master_user_secret_arn
    security_group_id = module.database.security_group_id
  }
  redis = var.redis == null ? null : {
    host              = module.redis[0].primary_endpoint
    port              = module.redis[0].port
    security_group_id = module.redis[0].security_group_id
    auth_secret_arn   = module.redis[0].auth_secret_arn
  }
  bedrock_policy_json = module.models.bedrock_policy_json
  ecs_exec            = var.ecs_exec
  cpu                 = var.litellm.cpu
  memory              = var.litellm.memory
  workers_per_task    = var.litellm.workers_per_task
  desired_count       = var.litellm.desired_count
  autoscaling = {
    min_capacity       = var.litellm.min_capacity
    max_capacity       = var.litellm.max_capacity
    cpu_target         = var.litellm.cpu_target
    in_flight_per_task = var.litellm.in_flight_per_task
  }
  log_retention_days = var.log_retention_days
}

module "victoriametrics" {
  source = "../victoriametrics"

  name                             = "${local.name}-vm"
  environment                      = var.environment
  image                            = var.images.victoriametrics
  init_image                       = module.litellm.image
  cluster_arn                      = module.ecs_cluster.arn
  vpc_id                           = module.network.vpc_id
  subnet_ids                       = module.network.private_subnet_ids
  service_discovery_namespace_id   = module.ecs_cluster.namespace_id
  service_discovery_namespace_name = module.ecs_cluster.namespace_name
  config_bucket                    = { id = module.config_bucket.id, arn = module.config_bucket.arn }
  scrape_template                  = local.scrape_template
  alerts_dir                       = local.alerts_dir
  vmalert_image                    = var.images.vmalert
  alertmanager_image               = var.images.alertmanager
  alertmanager_config              = file(local.alertmanager)
  alerting = {
    sns_topic_arn            = module.alerting.topic_arn
    runbook_base_url         = var.alerting.runbook_base_url
    slack_webhook_secret_arn = var.alerting.slack_webhook_secret_arn
    slack_channel            = var.alerting.slack_channel
    webhook_secret_arns      = var.alerting.webhook_secret_arns
  }
  scrape_interval    = var.observability.scrape_interval
  retention_period   = var.observability.retention_period
  cpu                = var.observability.vm_cpu
  memory             = var.observability.vm_memory
  log_retention_days = var.log_retention_days
  litellm = {
    service_discovery_name = module.litellm.service_discovery_name
    port                   = module.litellm.metrics_port
    security_group_id      = module.litellm.security_group_id
    metrics_token_arn      = module.secrets.arns["metrics-token"]
  }
  key_broker = local.broker ? {
    service_discovery_name = module.key_broker[0].service_discovery_name
    port                   = module.key_broker[0].port
    security_group_id      = module.key_broker[0].security_group_id
  } : null
}

# Alerts reach people: vmalert -> Alertmanager (VictoriaMetrics task) -> this topic -> e-mail / HTTPS subscribers.
module "alerting" {
  source = "../alerting"

  name            = "${local.name}-alerts"
  email_addresses = var.alerting.email_addresses
  https_endpoints = var.alerting.https_endpoints
}

module "grafana" {
  source = "../grafana"

  name        = "${local.name}-grafana"
  image       = var.images.grafana
  init_image  = module.litellm.image
  cluster_arn = module.ecs_cluster.arn
  vpc_id      = module.network.vpc_id
  subnet_ids  = module.network.private_subnet_ids
  alb = {
    security_group_id = module.alb.security_group_id
    target_group_arn  = module.alb.target_group_arns["grafana"]
  }
  public_url    = module.cloudfront.url
  config_bucket = { id = module.config_bucket.id, arn = module.config_bucket.arn }
  grafana_dir   = local.grafana_dir
  victoriametrics = {
    url               = module.victoriametrics.url
    port              = module.victoriametrics.port
    security_group_id = module.victoriametrics.security_group_id
  }
  admin_password_secret_arn = module.secrets.arns["grafana-admin-password"]
  sso                       = var.grafana.sso
  ecs_exec                  = var.ecs_exec
  cpu                       = var.observability.grafana_cpu
  memory                    = var.observability.grafana_memory
  log_retention_days        = var.log_retention_days
}

# The key broker (src/llmgw/broker): developers and CI exchange an AWS IAM or OIDC identity for a short-lived key.
module "key_broker" {
  source = "../key-broker"
  count  = local.broker ? 1 : 0

  name        = "${local.name}-key-broker"
  image       = module.litellm.image
  cluster_arn = module.ecs_cluster.arn
  vpc_id      = module.network.vpc_id
  subnet_ids  = module.network.private_subnet_ids
  alb = {
    security_group_id = module.alb.security_group_id
    target_group_arn  = module.alb.target_group_arns["broker"]
  }
  litellm = {
    url               = "http://${module.litellm.service_discovery_name}.${module.ecs_cluster.namespace_name}:4000"
    port              = 4000
    security_group_id = module.litellm.security_group_id
  }
  admin_key_secret_arn           = module.secrets.arns["key-broker-admin-key"]
  config_bucket                  = { id = module.config_bucket.id, arn = module.config_bucket.arn }
  policy_file                    = local.broker_policy
  gateway_config_file            = local.config_file
  source_dir                     = local.source_dir
  service_discovery_namespace_id = module.ecs_cluster.namespace_id
  sweep_interval                 = var.key_broker.sweep_interval
  cpu                            = var.key_broker.cpu
  memory                         = var.key_broker.memory
  ecs_exec                       = var.ecs_exec
  log_retention_days             = var.log_retention_days
}
