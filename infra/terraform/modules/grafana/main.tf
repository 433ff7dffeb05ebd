# Stock Grafana on Fargate behind the same ALB/CloudFront under /grafana. Provisioning (data source, dashboard
# provider) and dashboards from infra/grafana/ are S3 objects copied into task volumes by the same init container
# as LiteLLM's config, at the object versions the task definition names (a rollback restores them). Admin password from Secrets Manager, no anonymous
# access, no sign-up. Grafana's own database is task-local: everything it shows is provisioned from git.

data "aws_region" "current" {}

locals {
  region            = data.aws_region.current.region
  public_host       = split("/", trimprefix(var.public_url, "https://"))[0]
  port              = 3000
  provisioning_dir  = "/etc/grafana/provisioning"
  dashboards_dir    = "/var/lib/grafana/dashboards"
  provision_prefix  = "grafana/provisioning/"
  dashboards_prefix = "grafana/dashboards/"
  provision_files   = sort(fileset(var.grafana_dir, "provisioning/**"))
  dashboard_files   = sort(fileset(var.grafana_dir, "dashboards/*.json"))

  content_hashes = {
    PROVISIONING_ETAG = md5(join(",", [for f in local.provision_files : aws_s3_object.provisioning[f].source_hash]))
    DASHBOARDS_ETAG   = md5(join(",", [for f in local.dashboard_files : aws_s3_object.dashboards[f].source_hash]))
  }

  environment = merge(
    {
      GF_SERVER_HTTP_PORT           = tostring(local.port)
      GF_SERVER_ROOT_URL            = "${var.public_url}${var.path_prefix}/"
      GF_SERVER_SERVE_FROM_SUB_PATH = "true"
      # CloudFront forwards the viewer's Origin but not its Host (Managed-AllViewerExceptHostHeader: the ALB and
      # Grafana see the origin's name), so Grafana's CSRF check (Origin host == Host) refuses every POST after
      # login with 403 "origin not allowed" unless the public host is a trusted origin.
      GF_SECURITY_CSRF_TRUSTED_ORIGINS   = local.public_host
      GF_SECURITY_ADMIN_USER             = "admin"
      GF_SECURITY_COOKIE_SECURE          = "true"
      GF_SECURITY_DISABLE_GRAVATAR       = "true"
      GF_AUTH_ANONYMOUS_ENABLED          = "false"
      GF_USERS_ALLOW_SIGN_UP             = "false"
      GF_ANALYTICS_REPORTING_ENABLED     = "false"
      GF_ANALYTICS_CHECK_FOR_UPDATES     = "false"
      GF_PATHS_PROVISIONING              = local.provisioning_dir
      GF_LOG_MODE                        = "console"
      VICTORIAMETRICS_URL                = var.victoriametrics.url
      GF_DASHBOARDS_MIN_REFRESH_INTERVAL = "10s"
    },
    local.content_hashes,
  )

  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = "/ecs/${var.name}" # created by module.task
      awslogs-region        = local.region
      awslogs-stream-prefix = "grafana"
    }
  }

  grafana_container = {
    name         = "grafana"
    image        = var.image
    essential    = true
    portMappings = [{ containerPort = local.port, protocol = "tcp", name = "http" }]
    environment  = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    secrets      = [{ name = "GF_SECURITY_ADMIN_PASSWORD", valueFrom = var.admin_password_secret_arn }]
    mountPoints = [
      { sourceVolume = "grafana-provisioning", containerPath = local.provisioning_dir, readOnly = true },
      { sourceVolume = "grafana-dashboards", containerPath = local.dashboards_dir, readOnly = true },
    ]
    dependsOn        = [{ containerName = "config-sync", condition = "SUCCESS" }]
    stopTimeout      = 30
    logConfiguration = local.log_configuration
  }
}

resource "aws_s3_object" "provisioning" {
  for_each = toset(local.provision_files)

  bucket      = var.config_bucket.id
  key         = "${local.provision_prefix}${trimprefix(each.value, "provisioning/")}"
  source      = "${var.grafana_dir}/${each.value}"
  source_hash = filemd5("${var.grafana_dir}/${each.value}")
}

resource "aws_s3_object" "dashboards" {
  for_each = toset(local.dashboard_files)

  bucket       = var.config_bucket.id
  key          = "${local.dashboards_prefix}${trimprefix(each.value, "dashboards/")}"
  source       = "${var.grafana_dir}/${each.value}"
  source_hash  = filemd5("${var.grafana_dir}/${each.value}")
  content_type = "application/json"
}

module "task" {
  source = "../fargate-service"

  name                       = var.name
  security_group_description = "Grafana: 3000 from the ALB; queries VictoriaMetrics"
  cluster_arn                = var.cluster_arn
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.subnet_ids
  cpu                        = var.cpu
  memory                     = var.memory
  init_image                 = var.init_image
  config_bucket              = var.config_bucket
  config_prefixes            = [local.provision_prefix, local.dashboards_prefix]
  config_mounts = [
    { volume = "grafana-provisioning", path = local.provisioning_dir },
    { volume = "grafana-dashboards", path = local.dashboards_dir },
  ]
  config_objects = concat(
    [for f in local.provision_files : { key = aws_s3_object.provisioning[f].key, version_id = aws_s3_object.provisioning[f].version_id, path = "${local.provisioning_dir}/${trimprefix(f, "provisioning/")}" }],
    [for f in local.dashboard_files : { key = aws_s3_object.dashboards[f].key, version_id = aws_s3_object.dashboards[f].version_id, path = "${local.dashboards_dir}/${trimprefix(f, "dashboards/")}" }],
  )
  content_hashes     = local.content_hashes
  secret_arns        = [var.admin_password_secret_arn]
  log_retention_days = var.log_retention_days
  log_kms_key_arn    = var.log_kms_key_arn
  volumes            = [{ name = "grafana-provisioning" }, { name = "grafana-dashboards" }]
  containers         = [local.grafana_container]

  service = {
    desired_count                      = 1
    deployment_minimum_healthy_percent = 0
    deployment_maximum_percent         = 200
    health_check_grace_period_seconds  = 60
    load_balancer                      = { target_group_arn = var.alb.target_group_arn, container_name = "grafana", container_port = local.port }
  }
}

# Existing state moves into the shared module (no resource is replaced).
moved {
  from = aws_cloudwatch_log_group.this
  to   = module.task.aws_cloudwatch_log_group.this
}

moved {
  from = aws_security_group.this
  to   = module.task.aws_security_group.this
}

moved {
  from = aws_vpc_security_group_egress_rule.https
  to   = module.task.aws_vpc_security_group_egress_rule.https
}

moved {
  from = module.iam
  to   = module.task.module.iam
}

moved {
  from = aws_ecs_task_definition.this
  to   = module.task.aws_ecs_task_definition.this
}

moved {
  from = aws_ecs_service.this
  to   = module.task.aws_ecs_service.this
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  security_group_id            = module.task.security_group_id
  description                  = "Grafana from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.alb.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_grafana" {
  security_group_id            = var.alb.security_group_id
  description                  = "ALB to Grafana"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = module.task.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "victoriametrics" {
  security_group_id            = module.task.security_group_id
  description                  = "Queries to VictoriaMetrics"
  ip_protocol                  = "tcp"
  from_port                    = var.victoriametrics.port
  to_port                      = var.victoriametrics.port
  referenced_security_group_id = var.victoriametrics.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "victoriametrics_from_grafana" {
  security_group_id            = var.victoriametrics.security_group_id
  description                  = "Queries from Grafana"
  ip_protocol                  = "tcp"
  from_port                    = var.victoriametrics.port
  to_port                      = var.victoriametrics.port
  referenced_security_group_id = module.task.security_group_id
}
