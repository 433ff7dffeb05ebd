# Least-privilege roles of one ECS service:
#   execution role: pull images, write logs, read exactly the listed secrets (ECS injects them at start);
#   task role: read its own configuration prefixes, mount its EFS access point, and (LiteLLM only) the Bedrock
#   policy rendered from the model catalogue (modules/model-catalogue), attached unchanged as its own inline policy.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# --- Execution role --------------------------------------------------------------------------------------------

resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-exec-"
  description        = "ECS execution role of ${var.name}: image pull, logs, its secrets"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  count = length(var.secret_arns) > 0 ? 1 : 0

  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.secret_arns
  }

  dynamic "statement" {
    for_each = var.secrets_kms_key_arn == null ? [] : [var.secrets_kms_key_arn]
    content {
      sid       = "DecryptOwnSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  count = length(var.secret_arns) > 0 ? 1 : 0

  name   = "read-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets[0].json
}

# --- Task role -------------------------------------------------------------------------------------------------

resource "aws_iam_role" "task" {
  name_prefix        = "${var.name}-task-"
  description        = "ECS task role of ${var.name}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ListOwnConfig"
    actions   = ["s3:ListBucket"]
    resources = [var.config_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [for p in var.config_prefixes : "${p}*"]
    }
  }

  # The init container reads each object at the version the task definition names (s3:GetObjectVersion).
  statement {
    sid       = "ReadOwnConfig"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [for p in var.config_prefixes : "${var.config_bucket_arn}/${p}*"]
  }

  # Token authentication to the database as its dedicated user (LiteLLM's IAM_TOKEN_DB_AUTH).
  dynamic "statement" {
    for_each = length(var.rds_db_user_arns) > 0 ? [1] : []
    content {
      sid       = "ConnectAsDatabaseUser"
      actions   = ["rds-db:connect"]
      resources = var.rds_db_user_arns
    }
  }

  # Alert notifications: Alertmanager's sns_configs sign with the task role.
  dynamic "statement" {
    for_each = length(var.sns_topic_arns) > 0 ? [1] : []
    content {
      sid       = "PublishAlerts"
      actions   = ["sns:Publish"]
      resources = var.sns_topic_arns
    }
  }

  dynamic "statement" {
    for_each = var.efs_access == null ? [] : [var.efs_access]
    content {
      sid       = "MountOwnAccessPoint"
      actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
      resources = [statement.value.file_system_arn]

      condition {
        test     = "StringEquals"
        variable = "elasticfilesystem:AccessPointArn"
        values   = [statement.value.access_point_arn]
      }
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# Bedrock: the document rendered from bedrock-policy.yaml.tftpl, byte for byte what the tests evaluate.
resource "aws_iam_role_policy" "bedrock" {
  count = var.bedrock_policy_json == null ? 0 : 1

  name   = "bedrock"
  role   = aws_iam_role.task.id
  policy = var.bedrock_policy_json
}

# ECS Exec (aws ecs execute-command, SSM port forwarding to a task: the private admin path, docs/security-edge.md):
# the SSM agent inside the task opens its channels with these actions, which take no resource (AWS ECS developer
# guide, "Monitor Amazon ECS containers with ECS Exec": IAM permissions required for ECS Exec).
data "aws_iam_policy_document" "ecs_exec" {
  count = var.ecs_exec ? 1 : 0

  statement {
    sid = "EcsExecSsmChannels"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"] # the ssmmessages actions support no resource-level permissions
  }
}

resource "aws_iam_role_policy" "ecs_exec" {
  count = var.ecs_exec ? 1 : 0

  name   = "ecs-exec"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.ecs_exec[0].json
}
