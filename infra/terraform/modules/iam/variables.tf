variable "name" {
  description = "Prefix of the role names (e.g. llmgw-dev-litellm)."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.name) <= 32
    error_message = "name must be at most 32 characters (it plus \"-exec-\" is a role name prefix, limited to 38)."
  }
}

variable "secret_arns" {
  description = "Secrets Manager ARNs the execution role may read to inject into the containers (task definition `secrets`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.secret_arns : can(regex("^arn:[a-z-]+:secretsmanager:", a))])
    error_message = "secret_arns must be Secrets Manager ARNs."
  }
}

variable "secrets_kms_key_arn" {
  description = "Customer-managed KMS key of those secrets, if any (kms:Decrypt is granted on it)."
  type        = string
  default     = null
}

variable "config_bucket_arn" {
  description = "Bucket the init container reads configuration objects from."
  type        = string
  nullable    = false
}

variable "config_prefixes" {
  description = "Key prefixes (ending in /) the task role may list and read in the config bucket."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.config_prefixes) > 0 && alltrue([for p in var.config_prefixes : endswith(p, "/")])
    error_message = "config_prefixes needs at least one prefix ending in /."
  }
}

variable "bedrock_inference_profile_ids" {
  description = "Bedrock cross-region inference profile ids (e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0) the task may invoke; the underlying foundation models are allowed in the regions the profile routes to. Empty: no Bedrock access."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.bedrock_inference_profile_ids : can(regex("^(us|eu|apac|jp|au|ca|global)\\.[a-z0-9-]+\\.[a-z0-9.:-]+$", id))])
    error_message = "bedrock_inference_profile_ids must be inference profile ids such as us.anthropic.claude-haiku-4-5-20251001-v1:0."
  }
}

variable "efs_access" {
  description = "EFS file system and access point the task mounts (grants client mount and write through that access point only)."
  type = object({
    file_system_arn  = string
    access_point_arn = string
  })
  default = null
}
