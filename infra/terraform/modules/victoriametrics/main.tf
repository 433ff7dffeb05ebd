# One VictoriaMetrics task (with a vmalert sidecar evaluating infra/grafana/alerts and an Alertmanager sidecar sending
# them to SNS and the webhooks of var.alerting) scraping every LiteLLM task (Cloud Map DNS SD, one A record per task) with the shared
# template infra/victoriametrics/scrape.yml.tftpl, rendered here with templatefile().
#
# Storage: Amazon EFS through an access point. Fargate has no persistent block storage (its EBS volumes are
# created per task and deleted with it), and EFS survives task replacement and the loss of an AZ without capacity
# planning; VictoriaMetrics is built for high-latency, low-IOPS storage and one gateway's metrics are a small,
# steady write load. The service never runs two tasks (maximum 100 %, minimum 0 %), so one process owns the data
# directory at a time.

data "aws_region" "current" {}

locals {
  region        = data.aws_region.current.region
  port          = 8428
  config_prefix = "victoriametrics/"
  config_dir    = "/etc/victoriametrics"
  data_dir      = "/victoria-metrics-data"
  dns_name      = "victoriametrics"
  vmalert_port  = 8880
  rules_prefix  = "vmalert/rules/"
  rules_dir     = "/etc/vmalert/rules"
  rule_files    = sort(fileset(var.alerts_dir, "*.yml"))

  # Alertmanager (sidecar): the repository's route and inhibit rules, the on-call receiver built from var.alerting.
  # Webhook URLs are secrets: ECS injects them as environment variables, the entry point writes each to a file in
  # the container and the config names only the file (url_file / api_url_file).
  alertmanager_port   = 9093
  alertmanager_prefix = "alertmanager/"
  alertmanager_dir    = "/etc/alertmanager"
  webhook_secrets     = var.alerting.webhook_secret_arns
  alertmanager_repo   = yamldecode(var.alertmanager_config)
  on_call = merge(
    {
      name = "on-call"
      sns_configs = [{
        topic_arn     = var.alerting.sns_topic_arn
        sigv4         = { region = local.region }
        subject       = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})"
        send_resolved = true
      }]
    },
    var.alerting.slack_webhook_secret_arn == null ? {} : {
      slack_configs = [merge(
        { api_url_file = "/tmp/alertmanager-secrets/slack", send_resolved = true },
        var.alerting.slack_channel == null ? {} : { channel = var.alerting.slack_channel },
      )]
    },
    length(local.webhook_secrets) == 0 ? {} : {
      webhook_configs = [for i, _ in local.webhook_secrets : { url_file = "/tmp/alertmanager-secrets/webhook-${i}", send_resolved = true }]
    },
  )
  alertmanager_yaml = yamlencode(merge(local.alertmanager_repo, { receivers = [local.on_call] }))
  alertmanager_secret_env = concat(
    var.alerting.slack_webhook_secret_arn == null ? [] : [{ name = "SLACK_WEBHOOK_URL", file = "slack", valueFrom = var.alerting.slack_webhook_secret_arn }],
    [for i, arn in local.webhook_secrets : { name = "WEBHOOK_URL_${i}", file = "webhook-${i}", valueFrom = arn }],
  )
  scrape_hash = md5(local.scrape_config)
  rules_etag  = md5(join(",", [for f in local.rule_files : aws_s3_object.rules[f].source_hash]))

  scrape_config = templatefile(var.scrape_template, {
    scrape_interval     = var.scrape_interval
    static_targets      = []
    dns_sd_names        = ["${var.litellm.service_discovery_name}.${var.service_discovery_namespace_name}"]
    dns_sd_port         = var.litellm.port
    environment         = var.environment
    broker_dns_sd_names = var.key_broker == null ? [] : ["${var.key_broker.service_discovery_name}.${var.service_discovery_namespace_name}"]
    broker_port         = var.key_broker == null ? 4020 : var.key_broker.port
    broker_targets      = []
  })

  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = "/ecs/${var.name}" # created by module.task
      awslogs-region        = local.region
      awslogs-stream-prefix = "victoriametrics"
    }
  }

  vm_container = {
    name      = "victoriametrics"
    image     = var.image
    essential = true
    command = [
      "-storageDataPath=${local.data_dir}",
      "-retentionPeriod=${var.retention_period}",
      "-promscrape.config=${local.config_dir}/scrape.yml",
      "-promscrape.config.strictParse=true",
      # New LiteLLM tasks (scale-out, deployments) are scraped within 15 s of their A record appearing.
      "-promscrape.dnsSDCheckInterval=15s",
      # Grafana's alert list reads vmalert's rules and alerts through the VictoriaMetrics datasource.
      "-vmalert.proxyURL=http://localhost:${local.vmalert_port}",
      "-httpListenAddr=:${local.port}",
      "-loggerFormat=json",
    ]
    portMappings = [{ containerPort = local.port, protocol = "tcp", name = "http" }]
    # The scrape config's %{NAME} placeholders are expanded from these (VictoriaMetrics refuses to start when
    # one is missing); the token comes from Secrets Manager below.
    environment = [
      { name = "SCRAPE_CONFIG_ETAG", value = local.scrape_hash },
      { name = "VICTORIAMETRICS_SELF_TARGET", value = "localhost:${local.port}" },
      { name = "VMALERT_TARGET", value = "localhost:${local.vmalert_port}" },
    ]
    secrets = [{ name = "LLMGW_METRICS_TOKEN", valueFrom = var.litellm.metrics_token_arn }]
    mountPoints = [
      { sourceVolume = "vm-config", containerPath = local.config_dir, readOnly = true },
      { sourceVolume = "vm-data", containerPath = local.data_dir, readOnly = false },
    ]
    dependsOn        = [{ containerName = "config-sync", condition = "SUCCESS" }]
    stopTimeout      = 30
    logConfiguration = local.log_configuration
  }

  # vmalert notifies the Alertmanager sidecar, and links runbooks as absolute URLs (runbook_base_url external label,
  # used by every rule's runbook_url annotation).
  vmalert_container = {
    name      = "vmalert"
    image     = var.vmalert_image
    essential = true
    command = [
      "-rule=${local.rules_dir}/*.yml",
      "-datasource.url=http://localhost:${local.port}",
      "-remoteRead.url=http://localhost:${local.port}",
      "-remoteWrite.url=http://localhost:${local.port}",
      "-notifier.url=http://localhost:${local.alertmanager_port}",
      "-external.label=runbook_base_url=${var.alerting.runbook_base_url}",
      "-httpListenAddr=:${local.vmalert_port}",
      "-evaluationInterval=15s",
      "-loggerFormat=json",
    ]
    environment      = [{ name = "RULES_ETAG", value = local.rules_etag }]
    mountPoints      = [{ sourceVolume = "vmalert-rules", containerPath = local.rules_dir, readOnly = true }]
    dependsOn        = [{ containerName = "victoriametrics", condition = "START" }, { containerName = "alertmanager", condition = "START" }]
    stopTimeout      = 30
    logConfiguration = local.log_configuration
  }

  alertmanager_container = {
    name       = "alertmanager"
    image      = var.alertmanager_image
    essential  = true
    entryPoint = ["/bin/sh", "-c"]
    command = [join(" && ", concat(
      ["mkdir -p /tmp/alertmanager-secrets /tmp/alertmanager"],
      [for s in local.alertmanager_secret_env : format("printf '%%s' \"$%s\" > /tmp/alertmanager-secrets/%s", s.name, s.file)],
      ["exec /bin/alertmanager --config.file=${local.alertmanager_dir}/alertmanager.yml --storage.path=/tmp/alertmanager --web.listen-address=:${local.alertmanager_port} --cluster.listen-address= --log.format=json"],
    ))]
    environment      = [{ name = "ALERTMANAGER_CONFIG_ETAG", value = md5(local.alertmanager_yaml) }]
    secrets          = [for s in local.alertmanager_secret_env : { name = s.name, valueFrom = s.valueFrom }]
    mountPoints      = [{ sourceVolume = "alertmanager-config", containerPath = local.alertmanager_dir, readOnly = true }]
    dependsOn        = [{ containerName = "config-sync", condition = "SUCCESS" }]
    stopTimeout      = 30
    logConfiguration = local.log_configuration
  }
}

resource "aws_s3_object" "alertmanager" {
  bucket       = var.config_bucket.id
  key          = "${local.alertmanager_prefix}alertmanager.yml"
  content      = local.alertmanager_yaml
  content_type = "application/yaml"
}

resource "aws_s3_object" "rules" {
  for_each = toset(local.rule_files)

  bucket       = var.config_bucket.id
  key          = "${local.rules_prefix}${each.value}"
  source       = "${var.alerts_dir}/${each.value}"
  source_hash  = filemd5("${var.alerts_dir}/${each.value}")
  content_type = "application/yaml"
}

resource "aws_s3_object" "scrape" {
  bucket       = var.config_bucket.id
  key          = "${local.config_prefix}scrape.yml"
  content      = local.scrape_config
  content_type = "application/yaml"
}

module "task" {
  source = "../fargate-service"

  name                       = var.name
  security_group_description = "VictoriaMetrics: 8428 from Grafana; scrapes LiteLLM tasks"
  cluster_arn                = var.cluster_arn
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.subnet_ids
  cpu                        = var.cpu
  memory                     = var.memory
  init_image                 = var.init_image
  config_bucket              = var.config_bucket
  config_prefixes            = [local.config_prefix, local.rules_prefix, local.alertmanager_prefix]
  config_mounts = [
    { volume = "vm-config", path = local.config_dir },
    { volume = "vmalert-rules", path = local.rules_dir },
    { volume = "alertmanager-config", path = local.alertmanager_dir },
  ]
  config_objects = concat(
    [{ key = aws_s3_object.scrape.key, version_id = aws_s3_object.scrape.version_id, path = "${local.config_dir}/scrape.yml" }],
    [{ key = aws_s3_object.alertmanager.key, version_id = aws_s3_object.alertmanager.version_id, path = "${local.alertmanager_dir}/alertmanager.yml" }],
    [for f in local.rule_files : { key = aws_s3_object.rules[f].key, version_id = aws_s3_object.rules[f].version_id, path = "${local.rules_dir}/${f}" }],
  )
  content_hashes     = { SCRAPE_CONFIG_ETAG = local.scrape_hash, RULES_ETAG = local.rules_etag }
  secret_arns        = concat([var.litellm.metrics_token_arn], [for s in local.alertmanager_secret_env : s.valueFrom])
  sns_topic_arns     = [var.alerting.sns_topic_arn]
  log_retention_days = var.log_retention_days
  log_kms_key_arn    = var.log_kms_key_arn
  efs_access = {
    file_system_arn  = aws_efs_file_system.this.arn
    access_point_arn = aws_efs_access_point.this.arn
  }
  volumes = [
    { name = "vm-config" },
    { name = "vmalert-rules" },
    { name = "alertmanager-config" },
    { name = "vm-data", efs = { file_system_id = aws_efs_file_system.this.id, access_point_id = aws_efs_access_point.this.id } },
  ]
  containers = [local.vm_container, local.vmalert_container, local.alertmanager_container]

  # One process owns the data directory at a time: never two tasks (maximum 100 %).
  service = {
    desired_count                      = 1
    deployment_minimum_healthy_percent = 0
    deployment_maximum_percent         = 100
    registry_arn                       = aws_service_discovery_service.this.arn
    wait_for                           = [for m in aws_efs_mount_target.this : m.id]
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

# --- Storage ---------------------------------------------------------------------------------------------------

resource "aws_efs_file_system" "this" {
  creation_token   = var.name
  encrypted        = true
  kms_key_id       = var.kms_key_arn
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"

  tags = { Name = var.name }
}

resource "aws_efs_backup_policy" "this" {
  file_system_id = aws_efs_file_system.this.id

  backup_policy {
    status = "ENABLED"
  }
}

resource "aws_efs_access_point" "this" {
  file_system_id = aws_efs_file_system.this.id

  posix_user {
    uid = 1000
    gid = 1000
  }

  root_directory {
    path = "/victoria-metrics"

    creation_info {
      owner_uid   = 1000
      owner_gid   = 1000
      permissions = "0750"
    }
  }
}

data "aws_iam_policy_document" "efs" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.this.arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "TaskRoleThroughAccessPoint"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.this.arn]

    principals {
      type        = "AWS"
      identifiers = [module.task.task_role_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.this.arn]
    }
  }
}

resource "aws_efs_file_system_policy" "this" {
  file_system_id = aws_efs_file_system.this.id
  policy         = data.aws_iam_policy_document.efs.json
}

resource "aws_security_group" "efs" {
  name        = "${var.name}-efs"
  description = "EFS of VictoriaMetrics: NFS from the VictoriaMetrics task"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-efs" }
}

resource "aws_efs_mount_target" "this" {
  # count, not for_each: subnet ids are unknown until the VPC exists, their number is not.
  count = length(var.subnet_ids)

  file_system_id  = aws_efs_file_system.this.id
  subnet_id       = var.subnet_ids[count.index]
  security_groups = [aws_security_group.efs.id]
}

# --- Network ---------------------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "efs_from_vm" {
  security_group_id            = aws_security_group.efs.id
  description                  = "NFS from VictoriaMetrics"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = module.task.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "nfs" {
  security_group_id            = module.task.security_group_id
  description                  = "NFS to EFS"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.efs.id
}

resource "aws_vpc_security_group_egress_rule" "scrape" {
  security_group_id            = module.task.security_group_id
  description                  = "Scrape LiteLLM tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.litellm.port
  to_port                      = var.litellm.port
  referenced_security_group_id = var.litellm.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "litellm_from_vm" {
  security_group_id            = var.litellm.security_group_id
  description                  = "Metrics scrape from VictoriaMetrics"
  ip_protocol                  = "tcp"
  from_port                    = var.litellm.port
  to_port                      = var.litellm.port
  referenced_security_group_id = module.task.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "scrape_key_broker" {
  count = var.key_broker == null ? 0 : 1

  security_group_id            = module.task.security_group_id
  description                  = "Scrape the key broker"
  ip_protocol                  = "tcp"
  from_port                    = var.key_broker.port
  to_port                      = var.key_broker.port
  referenced_security_group_id = var.key_broker.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "key_broker_from_vm" {
  count = var.key_broker == null ? 0 : 1

  security_group_id            = var.key_broker.security_group_id
  description                  = "Metrics scrape from VictoriaMetrics"
  ip_protocol                  = "tcp"
  from_port                    = var.key_broker.port
  to_port                      = var.key_broker.port
  referenced_security_group_id = module.task.security_group_id
}

# --- Service discovery -----------------------------------------------------------------------------------------

resource "aws_service_discovery_service" "this" {
  # Destroy deregisters the tasks' instances instead of failing with ResourceInUse while ECS still has them.
  force_destroy = true

  name = local.dns_name

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
