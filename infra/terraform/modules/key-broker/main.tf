# The key broker (src/llmgw/broker: AWS IAM and OIDC identities -> short-lived gateway keys through LiteLLM's admin
# API) as a small Fargate service, without building an image:
#   * it runs in the stock LiteLLM image the gateway runs (python3 with FastAPI, uvicorn, pydantic, httpx, PyJWT,
#     PyYAML and prometheus_client: everything llmgw.broker imports); its code (llmgw.broker and the two modules of
#     llmgw.admin it uses), the policy file (infra/broker/policy.yaml) and the gateway's config.yaml (the model names
#     a rule may grant) are S3 objects the config-sync init container copies at the versions this revision names,
#     like LiteLLM's config: an edit rolls the service, a rollback restores the older files;
#   * its LiteLLM credential (a proxy_admin key limited to ten admin routes, minted by `python -m llmgw.broker
#     credential`) is an ECS secret from Secrets Manager, never in the environment, the task definition or outputs;
#   * the task role may read its own objects and nothing else: a proof is a presigned sts:GetCallerIdentity the broker
#     replays over HTTPS (the caller's signature, not the broker's credentials), OIDC tokens are checked against the
#     IdP's JWKS: neither needs an AWS permission;
#   * the ALB forwards it only its public routes (infra/broker/public-routes.yaml) and, for admin clients, /broker/*;
#     it calls LiteLLM's admin API inside the VPC (Cloud Map name, port 4000) and STS/the IdP over HTTPS; its /metrics
#     is reached by VictoriaMetrics through its own Cloud Map name (the victoriametrics module's key_broker input).
# One task: the replay cache of AWS proofs and the re-issue window are per process (llmgw.broker.aws_proof).

data "aws_region" "current" {}

locals {
  region      = data.aws_region.current.region
  port        = 4020
  prefix      = "key-broker/"
  dir         = "/etc/llmgw-broker"
  python_path = "${local.dir}/python"
  health_path = "/broker/healthz"

  # What `python -m llmgw.broker serve` imports of this repository's code (tests/terraform/test_key_broker.py runs the
  # broker from exactly these files).
  code_files = sort(concat(
    ["__init__.py", "admin/__init__.py", "admin/client.py", "admin/users.py"],
    tolist(fileset(var.source_dir, "broker/*.py")),
  ))

  content_hashes = {
    POLICY_ETAG         = aws_s3_object.policy.source_hash
    GATEWAY_CONFIG_ETAG = aws_s3_object.gateway_config.source_hash
    CODE_ETAG           = md5(join(",", [for f in local.code_files : aws_s3_object.code[f].source_hash]))
  }

  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = "/ecs/${var.name}" # created by module.task
      awslogs-region        = local.region
      awslogs-stream-prefix = "key-broker"
    }
  }

  environment = {
    PYTHONPATH              = local.python_path
    PYTHONDONTWRITEBYTECODE = "1"
    PYTHONUNBUFFERED        = "1"
  }

  broker_container = {
    name       = "key-broker"
    image      = var.image
    essential  = true
    entryPoint = ["python3", "-m", "llmgw.broker"]
    command = [
      "serve", "--host", "0.0.0.0", "--port", tostring(local.port),
      "--policy", "${local.dir}/policy.yaml",
      "--gateway-config", "${local.dir}/config.yaml",
      "--gateway-url", var.litellm.url,
      "--sweep-interval", tostring(var.sweep_interval),
    ]
    portMappings = [{ containerPort = local.port, protocol = "tcp", name = "http" }]
    environment  = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    secrets      = [{ name = "LLMGW_BROKER_ADMIN_KEY", valueFrom = var.admin_key_secret_arn }]
    mountPoints  = [{ sourceVolume = "key-broker", containerPath = local.dir, readOnly = true }]
    dependsOn    = [{ containerName = "config-sync", condition = "SUCCESS" }]
    healthCheck = {
      command     = ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${local.port}${local.health_path}', timeout=4)"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    stopTimeout      = 30
    logConfiguration = local.log_configuration
  }
}

# --- Configuration objects -------------------------------------------------------------------------------------

resource "aws_s3_object" "policy" {
  bucket       = var.config_bucket.id
  key          = "${local.prefix}policy.yaml"
  source       = var.policy_file
  source_hash  = filemd5(var.policy_file)
  content_type = "application/yaml"
}

resource "aws_s3_object" "gateway_config" {
  bucket       = var.config_bucket.id
  key          = "${local.prefix}config.yaml"
  source       = var.gateway_config_file
  source_hash  = filemd5(var.gateway_config_file)
  content_type = "application/yaml"
}

resource "aws_s3_object" "code" {
  for_each = toset(local.code_files)

  bucket       = var.config_bucket.id
  key          = "${local.prefix}python/llmgw/${each.value}"
  source       = "${var.source_dir}/${each.value}"
  source_hash  = filemd5("${var.source_dir}/${each.value}")
  content_type = "text/x-python"
}

# --- Task, roles, logs, security group: the shared Fargate scaffolding -------------------------------------------

module "task" {
  source = "../fargate-service"

  name                       = var.name
  ecs_exec                   = var.ecs_exec
  security_group_description = "Key broker: ${local.port} from the ALB and the metrics scraper; LiteLLM's admin API, STS and the IdP out"
  cluster_arn                = var.cluster_arn
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.subnet_ids
  cpu                        = var.cpu
  memory                     = var.memory
  init_image                 = var.image
  config_bucket              = var.config_bucket
  config_prefixes            = [local.prefix]
  config_mounts              = [{ volume = "key-broker", path = local.dir }]
  config_objects = concat(
    [
      { key = aws_s3_object.policy.key, version_id = aws_s3_object.policy.version_id, path = "${local.dir}/policy.yaml" },
      { key = aws_s3_object.gateway_config.key, version_id = aws_s3_object.gateway_config.version_id, path = "${local.dir}/config.yaml" },
    ],
    [for f in local.code_files : { key = aws_s3_object.code[f].key, version_id = aws_s3_object.code[f].version_id, path = "${local.python_path}/llmgw/${f}" }],
  )
  content_hashes     = local.content_hashes
  secret_arns        = [var.admin_key_secret_arn]
  log_retention_days = var.log_retention_days
  log_kms_key_arn    = var.log_kms_key_arn
  volumes            = [{ name = "key-broker" }]
  containers         = [local.broker_container]

  service = {
    desired_count                      = 1
    deployment_minimum_healthy_percent = 100
    deployment_maximum_percent         = 200
    health_check_grace_period_seconds  = 60
    load_balancer                      = { target_group_arn = var.alb.target_group_arn, container_name = "key-broker", container_port = local.port }
    registry_arn                       = aws_service_discovery_service.this.arn
  }
}

# --- Network: the ALB in, LiteLLM's admin API out (HTTPS to STS and the IdP: the shared egress rule) ---------------

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  security_group_id            = module.task.security_group_id
  description                  = "Key broker routes from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.alb.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_broker" {
  security_group_id            = var.alb.security_group_id
  description                  = "ALB to the key broker"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = module.task.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "litellm" {
  security_group_id            = module.task.security_group_id
  description                  = "LiteLLM admin API (the broker's route-limited key)"
  ip_protocol                  = "tcp"
  from_port                    = var.litellm.port
  to_port                      = var.litellm.port
  referenced_security_group_id = var.litellm.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "litellm_from_broker" {
  security_group_id            = var.litellm.security_group_id
  description                  = "Admin API calls from the key broker"
  ip_protocol                  = "tcp"
  from_port                    = var.litellm.port
  to_port                      = var.litellm.port
  referenced_security_group_id = module.task.security_group_id
}

# --- Service discovery: VictoriaMetrics scrapes the task's /metrics on its own address ----------------------------

resource "aws_service_discovery_service" "this" {
  # Destroy deregisters the task's instance instead of failing with ResourceInUse while ECS still has it.
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
