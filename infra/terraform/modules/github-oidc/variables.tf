variable "name_prefix" {
  description = "Prefix of the IAM role names (\"<prefix>-github-plan\", \"<prefix>-github-apply\"), e.g. \"llmgw-prod\"."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1-40 characters of IAM role name characters (letters, digits, +=,.@_-)."
  }
}

variable "github_repository" {
  description = "The GitHub repository allowed to assume the roles, as \"owner/name\"."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must look like \"owner/name\" (no wildcards)."
  }
}

variable "github_immutable_ids" {
  description = <<-EOT
    Numeric owner and repository ids for GitHub's immutable OIDC subject claim
    ("repo:owner@<owner_id>/name@<repository_id>:..."), emitted by repositories created on or after 15 July 2026
    and by older ones that opted in. Find them with: gh api repos/OWNER/NAME --jq '.owner.id, .id'.
    null (default) trusts the legacy name-only subject.
  EOT
  type = object({
    owner_id      = number
    repository_id = number
  })
  default = null

  validation {
    condition = var.github_immutable_ids == null ? true : (
      var.github_immutable_ids.owner_id > 0 && var.github_immutable_ids.repository_id > 0 &&
      floor(var.github_immutable_ids.owner_id) == var.github_immutable_ids.owner_id &&
      floor(var.github_immutable_ids.repository_id) == var.github_immutable_ids.repository_id
    )
    error_message = "github_immutable_ids.owner_id and repository_id must be positive whole numbers."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC identity provider. Set false when the account already has one (an account can have only one per URL) and pass oidc_provider_arn."
  type        = bool
  default     = true
  nullable    = false
}

variable "oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com OIDC provider; required when create_oidc_provider is false, ignored otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.create_oidc_provider || var.oidc_provider_arn != null
    error_message = "oidc_provider_arn is required when create_oidc_provider is false."
  }

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com OIDC provider."
  }
}

variable "audience" {
  description = "Audience (aud claim) of the GitHub OIDC token; sts.amazonaws.com unless the workflows set another audience."
  type        = string
  default     = "sts.amazonaws.com"
  nullable    = false

  validation {
    condition     = length(var.audience) > 0
    error_message = "audience must not be empty."
  }
}

variable "plan_allow_pull_requests" {
  description = "Let workflows triggered by pull_request (the terraform-plan workflow) assume the plan role. Fork PRs never get an OIDC token."
  type        = bool
  default     = true
  nullable    = false
}

variable "plan_branches" {
  description = "Branches whose push/dispatch workflows may assume the plan role (the deploy workflow plans on main)."
  type        = list(string)
  default     = ["main"]
  nullable    = false

  validation {
    condition     = alltrue([for b in var.plan_branches : can(regex("^[A-Za-z0-9._/-]+$", b)) && !strcontains(b, "*")])
    error_message = "plan_branches must be exact branch names (no wildcards)."
  }
}

variable "apply_environments" {
  description = "GitHub environments whose jobs may assume the apply role, e.g. [\"prod\"]. Protect them in the repository settings (required reviewers, deployment branch main)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.apply_environments) > 0
    error_message = "apply_environments must name at least one GitHub environment."
  }

  validation {
    condition     = alltrue([for e in var.apply_environments : can(regex("^[A-Za-z0-9._-]{1,255}$", e))])
    error_message = "apply_environments must be exact GitHub environment names (letters, digits, ._-; no wildcards)."
  }
}

variable "plan_policy_arns" {
  description = "Managed policies attached to the plan role. Default: AWS ReadOnlyAccess (refresh reads everything the configuration manages)."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  nullable    = false

  validation {
    condition     = alltrue([for a in var.plan_policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", a))])
    error_message = "plan_policy_arns must be IAM policy ARNs."
  }
}

variable "apply_policy_arns" {
  description = "Managed policies attached to the apply role: what `terraform apply` needs to create and change the stack (scope it to the services the configuration manages)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.apply_policy_arns) > 0
    error_message = "apply_policy_arns must contain at least one policy ARN."
  }

  validation {
    condition     = alltrue([for a in var.apply_policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", a))])
    error_message = "apply_policy_arns must be IAM policy ARNs."
  }
}

variable "plan_inline_policy_json" {
  description = "Optional extra inline policy (JSON) for the plan role; the gateway stack needs none (its secret versions are write-only, docs/ci.md)."
  type        = string
  default     = null

  validation {
    condition     = var.plan_inline_policy_json == null || can(jsondecode(var.plan_inline_policy_json))
    error_message = "plan_inline_policy_json must be valid JSON."
  }
}

variable "state_bucket_arn" {
  description = "ARN of the S3 bucket holding the Terraform state. The plan role gets read access to it and may write only the S3 lock files (*.tflock); null skips this policy."
  type        = string
  default     = null

  validation {
    condition     = var.state_bucket_arn == null || can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_arn))
    error_message = "state_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::name)."
  }
}

variable "state_key_prefix" {
  description = "Key prefix of the state objects in the state bucket (\"\" = the whole bucket), e.g. \"llmgw/prod/\"."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = !strcontains(var.state_key_prefix, "*") && !startswith(var.state_key_prefix, "/")
    error_message = "state_key_prefix must not contain * nor start with /."
  }
}

variable "state_kms_key_arn" {
  description = "KMS key encrypting the state bucket, if any: the plan role may decrypt state and encrypt its lock files with it."
  type        = string
  default     = null

  validation {
    condition     = var.state_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.state_kms_key_arn))
    error_message = "state_kms_key_arn must be a KMS key ARN."
  }
}

variable "max_session_duration" {
  description = "Maximum session length of both roles, in seconds (3600-43200)."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for both roles."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
  nullable    = false
}
