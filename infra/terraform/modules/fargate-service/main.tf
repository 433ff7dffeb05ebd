# Internal: the Fargate scaffolding the gateway's three services share (LiteLLM, VictoriaMetrics, Grafana): log
# group, security group with HTTPS egress to AWS APIs, least-privilege roles (iam module), the config-sync init
# container copying the service's configuration at pinned S3 object versions, the task definition and the ECS
# service with circuit-breaker rollback. The callers build their own containers and add their own security group
# rules, target groups, Cloud Map services and autoscaling. Their `moved` blocks keep existing state.

data "aws_region" "current" {}

locals {
  log_group_name = "/ecs/${var.name}"
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_338: retention is a variable: 365 days by default and in prod, shorter in dev
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_security_group" "this" {
  name        = var.name
  description = var.security_group_description
  vpc_id      = var.vpc_id

  tags = { Name = var.name }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (ECR, S3, Secrets Manager, logs, Bedrock) through endpoints or NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

module "iam" {
  source = "../iam"

  name                = var.name
  secret_arns         = var.secret_arns
  config_bucket_arn   = var.config_bucket.arn
  config_prefixes     = var.config_prefixes
  bedrock_policy_json = var.bedrock_policy_json
  rds_db_user_arns    = var.rds_db_user_arns
  sns_topic_arns      = var.sns_topic_arns
  efs_access          = var.efs_access
  ecs_exec            = var.ecs_exec
}

module "config_sync" {
  source = "../config-sync"

  image          = var.init_image
  bucket         = var.config_bucket.id
  aws_region     = data.aws_region.current.region
  log_group_name = aws_cloudwatch_log_group.this.name
  content_hashes = var.content_hashes
  mounts         = var.config_mounts
  objects        = var.config_objects
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

  dynamic "volume" {
    for_each = var.volumes
    content {
      name = volume.value.name

      dynamic "efs_volume_configuration" {
        for_each = volume.value.efs == null ? [] : [volume.value.efs]
        content {
          file_system_id     = efs_volume_configuration.value.file_system_id
          transit_encryption = "ENABLED"

          authorization_config {
            access_point_id = efs_volume_configuration.value.access_point_id
            iam             = "ENABLED"
          }
        }
      }
    }
  }

  container_definitions = jsonencode(concat([module.config_sync.container_definition], var.containers))

  # The containers log to this group (awslogs): it exists before the first task starts.
  depends_on = [aws_cloudwatch_log_group.this]
}

# Values the service must wait for (e.g. EFS mount targets) without a module-level depends_on, which would defer
# this module's data sources to apply time.
resource "terraform_data" "ready" {
  input = var.service.wait_for
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.service.desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  health_check_grace_period_seconds  = var.service.load_balancer == null ? null : var.service.health_check_grace_period_seconds
  deployment_minimum_healthy_percent = var.service.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.service.deployment_maximum_percent
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true
  enable_execute_command             = var.ecs_exec
  wait_for_steady_state              = false

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.service.load_balancer == null ? [] : [var.service.load_balancer]
    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = load_balancer.value.container_name
      container_port   = load_balancer.value.container_port
    }
  }

  dynamic "service_registries" {
    for_each = var.service.registry_arn == null ? [] : [var.service.registry_arn]
    content {
      registry_arn = service_registries.value
    }
  }

  # Autoscaling owns the task count after creation.
  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [terraform_data.ready]
}
