# The stock LiteLLM image on Fargate, configured without building an image:
#   * config.yaml and the callbacks package are S3 objects written by Terraform; an init container (same image,
#     its own python3 + boto3) copies them into a task volume mounted at /etc/litellm, each at the exact S3 object
#     version the task definition names (SYNC_OBJECTS): changing a file registers a new revision and rolls the
#     service, and a rollback to an older revision starts with the older files. Their content hashes
#     (CONFIG_ETAG, CALLBACKS_ETAG: MD5s, as S3 etags of SSE-KMS objects are not) are in the task definition too.
#   * an optional second init container runs the database migrations (as the RDS master user), a third makes
#     the dedicated database user (db_user.py), then the gateway starts and connects as that user with IAM tokens;
#   * secrets come from Secrets Manager through the task definition's `secrets`, never `environment`;
#   * each task registers an A record in Cloud Map so VictoriaMetrics scrapes every task's /metrics/;
#   * autoscaling on CPU and on in-flight requests per task (ALB metrics), circuit breaker with rollback, 120 s stop timeout.

data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  region         = data.aws_region.current.region
  image          = "${var.image.repository}:${var.image.tag}${var.image.digest == null ? "" : "@${var.image.digest}"}"
  port           = 4000
  config_prefix  = "litellm/config/"
  callbk_prefix  = "litellm/callbacks/"
  config_dir     = "/etc/litellm"
  callbacks_path = "/etc/litellm/callbacks"
  multiproc_dir  = "/var/run/prometheus-multiproc"
  # The metrics server beside LiteLLM (llmgw_callbacks.metrics_server): what VictoriaMetrics scrapes, with a token
  # that reads the metrics and nothing else.
  metrics_port = 4001
  # Seconds the gateway keeps an idle connection open beyond the ALB's idle timeout.
  keepalive_margin = 15
  callback_files   = sort(fileset(var.callbacks_dir, "llmgw_callbacks/**/*.py"))

  # Same values as src/llmgw/stack/env.py LITELLM_BASE_ENV (tests/terraform compares them).
  litellm_base_env = {
    LITELLM_MODE                         = "PRODUCTION"
    LITELLM_LOCAL_MODEL_COST_MAP         = "True"
    LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS = "True"
    LITELLM_LOG                          = "ERROR"
    JSON_LOGS                            = "True"
    DISABLE_SCHEMA_UPDATE                = "True"
    # A client that leaves a /v1/messages stream closes the Bedrock stream too (docs/reliability.md).
    ANTHROPIC_MESSAGES_MAX_DETACHED_STREAM_DRAINS = "0"
    # uvicorn's supervisor otherwise kills a worker still importing LiteLLM after 5 s, and again, forever.
    TIMEOUT_WORKER_HEALTHCHECK = "120"
  }

  content_hashes = {
    CONFIG_ETAG    = aws_s3_object.config.source_hash
    CALLBACKS_ETAG = md5(join(",", [for f in local.callback_files : aws_s3_object.callbacks[f].source_hash]))
  }

  environment = merge(
    local.litellm_base_env,
    {
      AWS_REGION               = local.region
      PYTHONPATH               = local.callbacks_path
      PROMETHEUS_MULTIPROC_DIR = local.multiproc_dir
      # uvicorn's keep-alive (5 s by default) must outlast the ALB's idle timeout: the ALB reuses idle connections,
      # and one the target closed first answers the next request with a 502.
      # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout
      KEEPALIVE_TIMEOUT = tostring(var.alb.idle_timeout + local.keepalive_margin)
    },
    var.redis == null ? {} : {
      REDIS_HOST = var.redis.host
      REDIS_PORT = tostring(var.redis.port)
      REDIS_SSL  = "True"
    },
    local.content_hashes,
    var.extra_environment,
  )

  # The gateway itself connects as the dedicated user with IAM tokens that LiteLLM mints and renews
  # (IAM_TOKEN_DB_AUTH, litellm/proxy/db/token_auth.py): it never holds the RDS master password, so the password's
  # rotation cannot break its pooled connections or reconnects.
  app_database_env = {
    IAM_TOKEN_DB_AUTH = "True"
    DATABASE_HOST     = var.database.host
    DATABASE_PORT     = tostring(var.database.port)
    DATABASE_NAME     = var.database.name
    DATABASE_USER     = var.database.app_user
    DATABASE_SSLMODE  = "require"
  }
  # Only the migrations and the user's bootstrap run as the master user, with the password of the RDS-managed secret
  # read at task start (always the current one).
  master_database_env = {
    DATABASE_HOST = "${var.database.host}:${var.database.port}"
    DATABASE_NAME = var.database.name
  }
  master_database_secrets = {
    DATABASE_USERNAME = "${var.database.secret_arn}:username::"
    DATABASE_PASSWORD = "${var.database.secret_arn}:password::"
  }
  db_user_arn = "arn:${data.aws_partition.current.partition}:rds-db:${local.region}:${data.aws_caller_identity.current.account_id}:dbuser:${var.database.resource_id}/${var.database.app_user}"

  secrets = merge(
    {
      LITELLM_MASTER_KEY = var.secret_arns.master_key
      LITELLM_SALT_KEY   = var.secret_arns.salt_key
    },
    var.redis == null ? {} : { REDIS_PASSWORD = var.redis.auth_secret_arn },
  )

  secret_arns = concat(
    [var.secret_arns.master_key, var.secret_arns.salt_key, var.secret_arns.metrics_token, var.database.secret_arn],
    var.redis == null ? [] : [var.redis.auth_secret_arn],
  )

  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = "/ecs/${var.name}" # created by module.task
      awslogs-region        = local.region
      awslogs-stream-prefix = "litellm"
    }
  }

  app_environment     = merge(local.environment, local.app_database_env)
  migrate_environment = merge(local.environment, local.master_database_env, { DISABLE_SCHEMA_UPDATE = "False" })
  env_list            = [for k in sort(keys(local.app_environment)) : { name = k, value = local.app_environment[k] }]
  migrate_env_list    = [for k in sort(keys(local.migrate_environment)) : { name = k, value = local.migrate_environment[k] }]
  secrets_list        = [for k in sort(keys(local.secrets)) : { name = k, valueFrom = local.secrets[k] }]
  master_secrets_list = [for k in sort(keys(merge(local.secrets, local.master_database_secrets))) : { name = k, valueFrom = merge(local.secrets, local.master_database_secrets)[k] }]
  config_mount        = { sourceVolume = "litellm-config", containerPath = local.config_dir, readOnly = true }
  litellm_args        = ["--config", "${local.config_dir}/config.yaml", "--port", tostring(local.port), "--num_workers", tostring(var.workers_per_task)]

  migrate_container = {
    name             = "migrate"
    image            = local.image
    essential        = false
    command          = concat(local.litellm_args, ["--skip_server_startup"])
    environment      = local.migrate_env_list
    secrets          = local.master_secrets_list
    mountPoints      = [local.config_mount]
    dependsOn        = [{ containerName = "config-sync", condition = "SUCCESS" }]
    logConfiguration = local.log_configuration
  }

  # After the migrations: the dedicated IAM-authenticated user and its grants (db_user.py, idempotent).
  db_user_container = {
    name       = "db-user"
    image      = local.image
    essential  = false
    entryPoint = ["python3", "-c"]
    command    = [file("${path.module}/db_user.py")]
    environment = [
      { name = "DATABASE_HOST", value = var.database.host },
      { name = "DATABASE_PORT", value = tostring(var.database.port) },
      { name = "DATABASE_NAME", value = var.database.name },
      { name = "DB_APP_USER", value = var.database.app_user },
    ]
    secrets          = [for k in sort(keys(local.master_database_secrets)) : { name = k, valueFrom = local.master_database_secrets[k] }]
    dependsOn        = var.run_migrations ? [{ containerName = "migrate", condition = "SUCCESS" }] : []
    logConfiguration = local.log_configuration
  }

  litellm_container = {
    name         = "litellm"
    image        = local.image
    essential    = true
    command      = local.litellm_args
    portMappings = [{ containerPort = local.port, protocol = "tcp", name = "http" }]
    environment  = local.env_list
    secrets      = local.secrets_list
    mountPoints = [
      local.config_mount,
      { sourceVolume = "prometheus-multiproc", containerPath = local.multiproc_dir, readOnly = false },
    ]
    dependsOn = concat(
      [{ containerName = "config-sync", condition = "SUCCESS" }],
      var.run_migrations ? [{ containerName = "migrate", condition = "SUCCESS" }] : [],
      [{ containerName = "db-user", condition = "SUCCESS" }],
    )
    stopTimeout = var.stop_timeout
    healthCheck = {
      command     = ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4000/health/liveliness', timeout=4)"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 60
    }
    ulimits          = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]
    logConfiguration = local.log_configuration
  }

  # The scrape endpoint: the stock image running llmgw_callbacks.metrics_server on the workers' shared
  # PROMETHEUS_MULTIPROC_DIR, with its own bearer token (LLMGW_METRICS_TOKEN) and no other key. Not essential: if
  # it stops, the task keeps serving and the scrape target goes down (up == 0), which alerts.
  metrics_container = {
    name         = "metrics"
    image        = local.image
    essential    = false
    entryPoint   = ["python3", "-m", "llmgw_callbacks.metrics_server"]
    command      = ["--host", "0.0.0.0", "--port", tostring(local.metrics_port)]
    portMappings = [{ containerPort = local.metrics_port, protocol = "tcp", name = "metrics" }]
    environment  = [for k in sort(keys(local.metrics_environment)) : { name = k, value = local.metrics_environment[k] }]
    secrets      = [{ name = "LLMGW_METRICS_TOKEN", valueFrom = var.secret_arns.metrics_token }]
    mountPoints = [
      local.config_mount,
      { sourceVolume = "prometheus-multiproc", containerPath = local.multiproc_dir, readOnly = false },
    ]
    dependsOn = [{ containerName = "config-sync", condition = "SUCCESS" }, { containerName = "litellm", condition = "START" }]
    healthCheck = {
      command     = ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${local.metrics_port}/health', timeout=4)"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 60
    }
    logConfiguration = merge(local.log_configuration, { options = merge(local.log_configuration.options, { awslogs-stream-prefix = "metrics" }) })
  }
  metrics_environment = merge(local.litellm_base_env, {
    PYTHONPATH               = local.callbacks_path
    PROMETHEUS_MULTIPROC_DIR = local.multiproc_dir
  })
}

# --- Configuration objects -------------------------------------------------------------------------------------

resource "aws_s3_object" "config" {
  bucket       = var.config_bucket.id
  key          = "${local.config_prefix}config.yaml"
  source       = var.config_file
  source_hash  = filemd5(var.config_file)
  content_type = "application/yaml"
}

resource "aws_s3_object" "callbacks" {
  for_each = toset(local.callback_files)

  bucket       = var.config_bucket.id
  key          = "${local.callbk_prefix}${each.value}"
  source       = "${var.callbacks_dir}/${each.value}"
  source_hash  = filemd5("${var.callbacks_dir}/${each.value}")
  content_type = "text/x-python"
}

# --- Task, roles, logs, security group: the shared Fargate scaffolding -------------------------------------------

module "task" {
  source = "../fargate-service"

  name                       = var.name
  ecs_exec                   = var.ecs_exec
  security_group_description = "LiteLLM tasks: 4000 from the ALB, 4001 from the metrics scraper"
  cluster_arn                = var.cluster_arn
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.subnet_ids
  cpu                        = var.cpu
  memory                     = var.memory
  init_image                 = local.image
  config_bucket              = var.config_bucket
  config_prefixes            = [local.config_prefix, local.callbk_prefix]
  config_mounts              = [{ volume = "litellm-config", path = local.config_dir }]
  config_objects = concat(
    [{ key = aws_s3_object.config.key, version_id = aws_s3_object.config.version_id, path = "${local.config_dir}/config.yaml" }],
    [for f in local.callback_files : { key = aws_s3_object.callbacks[f].key, version_id = aws_s3_object.callbacks[f].version_id, path = "${local.callbacks_path}/${f}" }],
  )
  content_hashes      = local.content_hashes
  secret_arns         = local.secret_arns
  bedrock_policy_json = var.bedrock_policy_json
  rds_db_user_arns    = [local.db_user_arn]
  log_retention_days  = var.log_retention_days
  log_kms_key_arn     = var.log_kms_key_arn

  # Task-local (Fargate ephemeral storage) volumes: the synced configuration and the Prometheus multiprocess
  # directory every worker writes its metric files to.
  volumes = [{ name = "litellm-config" }, { name = "prometheus-multiproc" }]
  containers = concat(
    var.run_migrations ? [local.migrate_container] : [],
    [local.db_user_container, local.litellm_container, local.metrics_container],
  )

  service = {
    desired_count                      = var.desired_count
    deployment_minimum_healthy_percent = 100
    deployment_maximum_percent         = 200
    health_check_grace_period_seconds  = 120
    load_balancer                      = { target_group_arn = var.alb.target_group_arn, container_name = "litellm", container_port = local.port }
    registry_arn                       = aws_service_discovery_service.this.arn
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
  description                  = "Gateway traffic from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.alb.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = var.alb.security_group_id
  description                  = "ALB to LiteLLM tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = module.task.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "postgres" {
  security_group_id            = module.task.security_group_id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = var.database.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "postgres_from_tasks" {
  security_group_id            = var.database.security_group_id
  description                  = "PostgreSQL from LiteLLM tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = module.task.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "redis" {
  count = var.redis == null ? 0 : 1

  security_group_id            = module.task.security_group_id
  description                  = "Redis"
  ip_protocol                  = "tcp"
  from_port                    = var.redis.port
  to_port                      = var.redis.port
  referenced_security_group_id = var.redis.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_tasks" {
  count = var.redis == null ? 0 : 1

  security_group_id            = var.redis.security_group_id
  description                  = "Redis from LiteLLM tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.redis.port
  to_port                      = var.redis.port
  referenced_security_group_id = module.task.security_group_id
}

# --- Service discovery ---------------------------------------------------------------------------------------

resource "aws_service_discovery_service" "this" {
  # Destroy deregisters the tasks' instances instead of failing with ResourceInUse while ECS still has them.
  force_destroy = true

  name = var.service_discovery_name

  dns_config {
    namespace_id   = var.service_discovery_namespace_id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  health_check_custom_config {
    failure_threshold = 1
  }
}

# --- Autoscaling -----------------------------------------------------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${module.task.service_name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.autoscaling.min_capacity
  max_capacity       = var.autoscaling.max_capacity
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# In-flight requests per task, by Little's law from the ALB's own metrics: requests per target per second x the
# average target response time. The old target of 3,000 requests/min per task never triggered for LLM traffic,
# where a task is busy with a few requests that take seconds each, not with many short ones. TargetResponseTime
# ends at the response's first byte, so a stream counts while it waits for its first token: the CPU policy above
# covers the work of long streams. https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html
resource "aws_appautoscaling_policy" "in_flight" {
  name               = "${var.name}-in-flight"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.in_flight_per_task
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    customized_metric_specification {
      metrics {
        id          = "requests"
        label       = "Requests per target per minute"
        return_data = false

        metric_stat {
          stat = "Sum"

          metric {
            namespace   = "AWS/ApplicationELB"
            metric_name = "RequestCountPerTarget"

            dimensions {
              name  = "TargetGroup"
              value = var.alb.target_group_arn_suffix
            }
          }
        }
      }

      metrics {
        id          = "latency"
        label       = "Average target response time (s)"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "AWS/ApplicationELB"
            metric_name = "TargetResponseTime"

            dimensions {
              name  = "LoadBalancer"
              value = var.alb.arn_suffix
            }

            dimensions {
              name  = "TargetGroup"
              value = var.alb.target_group_arn_suffix
            }
          }
        }
      }

      metrics {
        id          = "in_flight"
        label       = "In-flight requests per task"
        expression  = "requests / 60 * latency"
        return_data = true
      }
    }
  }
}
