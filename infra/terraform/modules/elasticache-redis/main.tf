# Optional Redis-compatible cache (ElastiCache, Valkey by default) that LiteLLM tasks share for rate limits and
# router state. TLS in transit, encryption at rest, AUTH token in Secrets Manager.
# Trade-off: ElastiCache has no write-only auth token argument (provider 6.45), so the token generated here
# (random_password) is also in Terraform state; the state bucket is private, encrypted and versioned. The secret
# copy is written write-only (secret_string_wo): refreshing it needs no secretsmanager:GetSecretValue, so the
# read-only plan role can plan (provider >= 6.26 reads write-only versions with ListSecretVersionIds).

resource "random_password" "auth" {
  length  = 64
  special = false
  keepers = {
    version = var.auth_token_version
  }
}

resource "aws_secretsmanager_secret" "auth" {
  # checkov:skip=CKV2_AWS_57: the token is rotated by bumping var.auth_token_version (ElastiCache applies it with ROTATE)
  name_prefix = "${var.name}/auth-token-"
  description = "AUTH token of ${var.name}"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret_version" "auth" {
  secret_id                = aws_secretsmanager_secret.auth.id
  secret_string_wo         = random_password.auth.result
  secret_string_wo_version = var.auth_token_version
}

resource "aws_elasticache_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "aws_security_group" "this" {
  name        = var.name
  description = "Redis: ingress rules added by the clients (LiteLLM tasks)"
  vpc_id      = var.vpc_id

  tags = { Name = var.name }
}

resource "aws_elasticache_replication_group" "this" {
  # checkov:skip=CKV2_AWS_50: Multi-AZ automatic failover follows var.replicas (on with the default of 1 replica)
  replication_group_id       = var.name
  description                = "LiteLLM shared rate limits and router state"
  engine                     = var.engine
  engine_version             = var.engine_version
  node_type                  = var.node_type
  port                       = 6379
  num_cache_clusters         = 1 + var.replicas
  automatic_failover_enabled = var.replicas > 0
  multi_az_enabled           = var.replicas > 0
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = [aws_security_group.this.id]
  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  auth_token                 = random_password.auth.result
  auth_token_update_strategy = "ROTATE"
  auto_minor_version_upgrade = true
  snapshot_retention_limit   = var.snapshot_retention_days
  apply_immediately          = false
}
