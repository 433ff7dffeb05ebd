# Policy documents of the module. Pure expressions of the input variables and local.oidc_provider_arn (no data
# sources), so tests/ci can evaluate them with `terraform console` without provider downloads.

locals {
  github_oidc_host = "token.actions.githubusercontent.com"

  github_owner = split("/", var.github_repository)[0]
  github_name  = split("/", var.github_repository)[1]

  # "repo:owner/name" or, with immutable claims, "repo:owner@<owner_id>/name@<repository_id>".
  subject_repository = var.github_immutable_ids == null ? "repo:${var.github_repository}" : format(
    "repo:%s@%d/%s@%d", local.github_owner, var.github_immutable_ids.owner_id, local.github_name,
    var.github_immutable_ids.repository_id,
  )

  # Plan role: pull requests of this repository and pushes/dispatches on the listed branches.
  plan_subjects = concat(
    var.plan_allow_pull_requests ? ["${local.subject_repository}:pull_request"] : [],
    [for b in var.plan_branches : "${local.subject_repository}:ref:refs/heads/${b}"],
  )

  # Apply role: only jobs running in the listed (protected) GitHub environments.
  apply_subjects = [for e in var.apply_environments : "${local.subject_repository}:environment:${e}"]

  plan_trust_policy  = local.trust_policies["plan"]
  apply_trust_policy = local.trust_policies["apply"]

  trust_policies = {
    for role, subjects in { plan = local.plan_subjects, apply = local.apply_subjects } : role => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "GitHubActionsOidc"
        Effect    = "Allow"
        Principal = { Federated = local.oidc_provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "${local.github_oidc_host}:aud" = var.audience
            "${local.github_oidc_host}:sub" = subjects
          }
        }
      }]
    })
  }

  state_bucket_name = var.state_bucket_arn == null ? "" : replace(var.state_bucket_arn, "/^arn:[^:]+:s3:::/", "")

  # Plan role on the state bucket: read the state, write/delete only the S3-native lock files (use_lockfile).
  plan_state_policy = var.state_bucket_arn == null ? null : jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        merge(
          {
            Sid      = "ListState"
            Effect   = "Allow"
            Action   = ["s3:ListBucket"]
            Resource = var.state_bucket_arn
          },
          # Listing is limited to the state prefix when there is one (no Condition key at all otherwise).
          [for p in [var.state_key_prefix] : { Condition = { StringLike = { "s3:prefix" = ["${p}*"] } } } if p != ""]...
        ),
        {
          Sid      = "ReadState"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = "${var.state_bucket_arn}/${var.state_key_prefix}*"
        },
        {
          Sid      = "StateLockFile"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
          Resource = "${var.state_bucket_arn}/${var.state_key_prefix}*.tflock"
        },
      ],
      var.state_kms_key_arn == null ? [] : [
        {
          Sid      = "StateKms"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource = var.state_kms_key_arn
        },
      ],
    )
  })
}

# The plan store (var.plan_store): the binary plan carries the stack's secrets in clear, so it is kept in the state
# bucket encrypted with a KMS key of its own. The plan role may only encrypt (GenerateDataKey: S3 PutObject with
# SSE-KMS) and is denied reading the objects; the apply role may only decrypt (S3 GetObject). Account
# administrators keep the key's management (not its use): without kms:PutKeyPolicy for the account the key could
# not be managed again. Uses only S3 (kms:ViaService). The role ARNs come from main.tf (local.plan_role_arn,
# local.apply_role_arn, local.account_root_arn).
locals {
  plan_store_objects = var.plan_store == null ? null : "${var.plan_store.bucket_arn}/${var.plan_store.key_prefix}*"
  via_s3             = { StringLike = { "kms:ViaService" = "s3.*.amazonaws.com" } }

  plan_store_key_policy = var.plan_store == null ? null : jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKeyButDoesNotUseIt"
        Effect    = "Allow"
        Principal = { AWS = local.account_root_arn }
        Action = [
          "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:Describe*", "kms:DisableKey",
          "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Get*", "kms:List*",
          "kms:PutKeyPolicy", "kms:RetireGrant", "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:TagResource",
          "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
        ]
        Resource = "*"
      },
      {
        Sid       = "PlanRoleEncryptsOnly"
        Effect    = "Allow"
        Principal = { AWS = local.plan_role_arn }
        Action    = ["kms:GenerateDataKey", "kms:Encrypt"]
        Resource  = "*"
        Condition = local.via_s3
      },
      {
        Sid       = "ApplyRoleDecryptsOnly"
        Effect    = "Allow"
        Principal = { AWS = local.apply_role_arn }
        Action    = ["kms:Decrypt"]
        Resource  = "*"
        Condition = local.via_s3
      },
    ]
  })

  plan_store_put_policy = var.plan_store == null ? null : jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "PutPlansEncryptedWithThePlanKey"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = local.plan_store_objects
        Condition = {
          StringEquals = {
            "s3:x-amz-server-side-encryption"                = "aws:kms"
            "s3:x-amz-server-side-encryption-aws-kms-key-id" = local.plan_key_arn
          }
        }
      },
      {
        Sid      = "NeverReadPlans"
        Effect   = "Deny"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = local.plan_store_objects
      },
    ]
  })

  plan_store_get_policy = var.plan_store == null ? null : jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadStoredPlans"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = local.plan_store_objects
      },
    ]
  })
}
