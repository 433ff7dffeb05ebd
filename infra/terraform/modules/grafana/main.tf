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
      awslogs-group         = aws_cloudwatch_log_group.this.name
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
    dependsOn        = [{ containerName = module.config_sync.container_name, condition = "SUCCESS" }]
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

module "config_sync" {
  source = "../config-sync"

  image          = var.init_image
  bucket         = var.config_bucket.id
  aws_region     = local.region
  log_group_name = aws_cloudwatch_log_group.this.name
  content_hashes = local.content_hashes
  mounts = [
    { volume = "grafana-provisioning", path = local.provisioning_dir },
    { volume = "grafana-dashboards", path = local.dashboards_dir },
  ]
  objects = concat(
    [for f in local.provision_files : { key = aws_s3_object.provisioning[f].key, version_id = aws_s3_object.provisioning[f].version_id, path = "${local.provisioning_dir}/${trimprefix(f, "provisioning/")}" }],
    [for f in local.dashboard_files : { key = aws_s3_object.dashboards[f].key, version_id = aws_s3_object.dashboards[f].version_id, path = "${local.dashboards_dir}/${trimprefix(f, "dashboards/")}" }],
  )
}

module "iam" {
  source = "../iam"

  name              = var.name
  secret_arns       = [var.admin_password_secret_arn]
  config_bucket_arn = var.config_bucket.arn
  config_prefixes   = [local.provision_prefix, local.dashboards_prefix]
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_338: retention is a variable: 365 days by default and in prod, shorter in dev
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_security_group" "this" {
  name        = var.name
  description = "Grafana: 3000 from the ALB; queries VictoriaMetrics"
  vpc_id      = var.vpc_id

  tags = { Name = var.name }
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  security_group_id            = aws_security_group.this.id
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
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_egress_rule" "victoriametrics" {
  security_group_id            = aws_security_group.this.id
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
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (ECR pulls, S3, Secrets Manager, logs)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = module.iam.execution_role_arn
  task_role_arn            = module.iam.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "grafana-provisioning"
  }

  volume {
    name = "grafana-dashboards"
  }

  container_definitions = jsonencode([module.config_sync.container_definition, local.grafana_container])
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = 1
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  health_check_grace_period_seconds  = 60
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.alb.target_group_arn
    container_name   = "grafana"
    container_port   = local.port
  }
}
