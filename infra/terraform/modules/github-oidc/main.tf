# GitHub Actions -> AWS through OIDC, no static keys:
#   * the account's OIDC identity provider for token.actions.githubusercontent.com (optional: one per account),
#   * a read-only PLAN role for pull requests and the main branch (terraform-plan.yml, the plan job of deploy.yml),
#   * an APPLY role that only jobs in protected GitHub environments can assume (terraform-apply.yml).
# Trust policies: policies.tf. Usage and GitHub settings: README.md and docs/ci.md.

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = [var.audience]
  tags           = var.tags
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn
  account_root_arn  = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  plan_role_arn     = aws_iam_role.plan.arn
  apply_role_arn    = aws_iam_role.apply.arn
  plan_key_arn      = var.plan_store == null ? null : aws_kms_key.plans[0].arn
}

resource "aws_iam_role" "plan" {
  name                 = "${var.name_prefix}-github-plan"
  description          = "Terraform plan from GitHub Actions (${var.github_repository}): pull requests and ${join(", ", var.plan_branches)}"
  assume_role_policy   = local.plan_trust_policy
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "plan" {
  for_each = toset(var.plan_policy_arns)

  role       = aws_iam_role.plan.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "plan_state" {
  count = var.state_bucket_arn == null ? 0 : 1

  name   = "terraform-state"
  role   = aws_iam_role.plan.id
  policy = local.plan_state_policy
}

resource "aws_iam_role_policy" "plan_extra" {
  count = var.plan_inline_policy_json == null ? 0 : 1

  name   = "extra"
  role   = aws_iam_role.plan.id
  policy = var.plan_inline_policy_json
}

resource "aws_iam_role" "apply" {
  name                 = "${var.name_prefix}-github-apply"
  description          = "Terraform apply from GitHub Actions (${var.github_repository}), environments ${join(", ", var.apply_environments)}"
  assume_role_policy   = local.apply_trust_policy
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "apply" {
  for_each = toset(var.apply_policy_arns)

  role       = aws_iam_role.apply.name
  policy_arn = each.value
}

# --- The plan store (var.plan_store; policies in policies.tf) ----------------------------------------------------

resource "aws_kms_key" "plans" {
  count = var.plan_store == null ? 0 : 1

  description             = "Terraform plans of ${var.name_prefix} between deploy.yml's plan and apply jobs: encrypt ${aws_iam_role.plan.name}, decrypt ${aws_iam_role.apply.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.plan_key_deletion_window_days
  policy                  = local.plan_store_key_policy
  tags                    = var.tags
}

resource "aws_kms_alias" "plans" {
  count = var.plan_store == null ? 0 : 1

  name          = "alias/${var.name_prefix}-terraform-plans"
  target_key_id = aws_kms_key.plans[0].key_id
}

resource "aws_iam_role_policy" "plan_store_put" {
  count = var.plan_store == null ? 0 : 1

  name   = "terraform-plan-store"
  role   = aws_iam_role.plan.id
  policy = local.plan_store_put_policy
}

resource "aws_iam_role_policy" "plan_store_get" {
  count = var.plan_store == null ? 0 : 1

  name   = "terraform-plan-store"
  role   = aws_iam_role.apply.id
  policy = local.plan_store_get_policy
}
