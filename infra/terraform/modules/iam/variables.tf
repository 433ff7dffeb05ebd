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

variable "bedrock_policy_json" {
  description = "Bedrock policy document of the task role (the model-catalogue module's bedrock_policy_json: exactly the configured inference profiles and models); null: no Bedrock access."
  type        = string
  default     = null

  validation {
    condition     = var.bedrock_policy_json == null || try(jsondecode(var.bedrock_policy_json).Version == "2012-10-17", false)
    error_message = "bedrock_policy_json must be an IAM policy document (JSON, Version 2012-10-17)."
  }
}

variable "rds_db_user_arns" {
  description = "RDS IAM database users the task may connect as (arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/<user>): rds-db:connect, so IAM token authentication works."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.rds_db_user_arns : can(regex("^arn:aws[a-z-]*:rds-db:[a-z0-9-]+:[0-9]{12}:dbuser:", a))])
    error_message = "rds_db_user_arns must be rds-db dbuser ARNs."
  }
}

variable "sns_topic_arns" {
  description = "SNS topics the task may publish to (sns:Publish): the alert topic, for the Alertmanager of the VictoriaMetrics task."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.sns_topic_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:", a))])
    error_message = "sns_topic_arns must be SNS topic ARNs."
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

variable "ecs_exec" {
  description = "Let the task's SSM agent open ECS Exec sessions (aws ecs execute-command, SSM port forwarding): the private admin path."
  type        = bool
  default     = false
  nullable    = false
}
