# Generated secrets whose values never reach Terraform state or plan files: an ephemeral random_password
# (Terraform >= 1.10) feeds the write-only secret_string_wo argument (Terraform >= 1.11, AWS provider >= 5.98).
# The value is written only when secret_string_wo_version changes, so later plans leave it untouched; bump the
# version of one secret to rotate it. ECS reads the values at task start (task definition `secrets`).
# A secret with generate = false is only created here: its value is made elsewhere (e.g. the key broker's admin key,
# minted by `python -m llmgw.broker credential`) and put by an operator (aws secretsmanager put-secret-value), so it
# never passes through Terraform either.

resource "aws_secretsmanager_secret" "this" {
  # checkov:skip=CKV2_AWS_57: rotation is a version bump (var.secrets[*].version) followed by a service roll; the salt key must never rotate
  for_each = var.secrets

  name                    = "${var.name}/${each.key}"
  description             = each.value.description
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
}

locals {
  generated = { for k, s in var.secrets : k => s if s.generate }
}

ephemeral "random_password" "this" {
  for_each = local.generated

  length  = each.value.length
  special = false
}

resource "aws_secretsmanager_secret_version" "this" {
  for_each = local.generated

  secret_id                = aws_secretsmanager_secret.this[each.key].id
  secret_string_wo         = "${each.value.prefix}${ephemeral.random_password.this[each.key].result}"
  secret_string_wo_version = each.value.version
}
