# PostgreSQL for LiteLLM (users, keys, teams, budgets, spend): private subnets only, encrypted, automated backups,
# deletion protection in prod, master password generated and rotated by RDS in Secrets Manager
# (manage_master_user_password): Terraform never sees it; the rotation schedule is set here. Clients add their own
# ingress rule to the security group.

data "aws_partition" "current" {}

resource "random_id" "final_snapshot" {
  byte_length = 4
}

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "aws_security_group" "this" {
  name        = var.name
  description = "PostgreSQL: ingress rules added by the clients (LiteLLM tasks)"
  vpc_id      = var.vpc_id

  tags = { Name = var.name }
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-"
  family      = "postgres${var.engine_version}"
  description = "TLS only, slow statements and connections logged"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
    # Applied when the instance is created; on an existing instance at its next reboot.
    apply_method = "pending-reboot"
  }

  parameter {
    name  = "log_connections"
    value = "1"
    # Applied when the instance is created; on an existing instance at its next reboot.
    apply_method = "pending-reboot"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
    # Applied when the instance is created; on an existing instance at its next reboot.
    apply_method = "pending-reboot"
  }

  lifecycle {
    create_before_destroy = true
  }
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  name_prefix        = "${substr(var.name, 0, 24)}-mon-"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  # checkov:skip=CKV_AWS_293: deletion protection is a variable: true by default and in prod, off for throw-away dev stacks
  # checkov:skip=CKV_AWS_157: Multi-AZ is a variable: true by default and in prod, single-AZ in dev to halve the cost
  # checkov:skip=CKV_AWS_353: Performance Insights is a variable: on by default and in prod, off on the dev micro class
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.database_name
  username       = var.master_username
  port           = 5432

  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.multi_az

  backup_retention_period = var.backup_retention_days
  backup_window           = "03:00-04:00"
  maintenance_window      = "sun:04:30-sun:05:30"
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = var.skip_final_snapshot
  # Unique per instance: a second destroy of a stack with the same name must not collide with the first one's
  # snapshot (DBSnapshotAlreadyExists), and the snapshot is kept to restore from.
  final_snapshot_identifier = "${var.name}-final-${random_id.final_snapshot.hex}"
  delete_automated_backups  = false

  auto_minor_version_upgrade          = true
  allow_major_version_upgrade         = false
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]

  performance_insights_enabled          = var.performance_insights
  performance_insights_kms_key_id       = var.performance_insights ? var.kms_key_arn : null
  performance_insights_retention_period = var.performance_insights ? 7 : null

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  depends_on = [aws_iam_role_policy_attachment.monitoring]
}

# The managed secret rotates on RDS's 7-day default unless told otherwise; the rotation itself stays managed.
resource "aws_secretsmanager_secret_rotation" "master" {
  secret_id = aws_db_instance.this.master_user_secret[0].secret_arn

  rotation_rules {
    schedule_expression = "rate(${var.password_rotation_days} days)"
  }
}
