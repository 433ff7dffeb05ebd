variable "name" {
  description = "Name of the service, its task definition family, security group and log group (/ecs/<name>)."
  type        = string
  nullable    = false
}

variable "security_group_description" {
  description = "Description of the task's security group (callers add their ingress/egress rules to it)."
  type        = string
  nullable    = false
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC of the task."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets of the task."
  type        = list(string)
  nullable    = false
}

variable "cpu" {
  description = "Task vCPU units (1024 = 1 vCPU)."
  type        = number
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB."
  type        = number
  nullable    = false
}

variable "containers" {
  description = "The service's own container definitions (objects, as in the ECS API), after the config-sync init container this module adds (named config-sync: depend on it with condition SUCCESS)."
  type        = any
  nullable    = false
}

variable "volumes" {
  description = "Task volumes: task-local ones (Fargate ephemeral storage) by name, or an EFS access point (transit encryption and IAM authorization on)."
  type = list(object({
    name = string
    efs = optional(object({
      file_system_id  = string
      access_point_id = string
    }))
  }))
  default  = []
  nullable = false
}

variable "init_image" {
  description = "Image of the config-sync init container (python3 + boto3: the stock LiteLLM image)."
  type        = string
  nullable    = false
}

variable "config_bucket" {
  description = "Bucket (name and ARN) holding the service's configuration objects."
  type = object({
    id  = string
    arn = string
  })
  nullable = false
}

variable "config_prefixes" {
  description = "Key prefixes (ending in /) of the service's objects: the task role may list and read them."
  type        = list(string)
  nullable    = false
}

variable "config_objects" {
  description = "What the init container copies, pinned: S3 key, object version (the aws_s3_object's version_id) and file path (a rollback to an older task definition revision restores its configuration)."
  type = list(object({
    key        = string
    version_id = string
    path       = string
  }))
  nullable = false
}

variable "config_mounts" {
  description = "Task volumes the init container writes, and where it mounts them."
  type = list(object({
    volume = string
    path   = string
  }))
  nullable = false
}

variable "content_hashes" {
  description = "Content hashes of the configuration, set as environment variables of the init container (visible in the task definition)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "secret_arns" {
  description = "Secrets Manager ARNs the execution role may read to inject into the containers (their `secrets`)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "bedrock_policy_json" {
  description = "Bedrock policy of the task role (LiteLLM only; null: no Bedrock access)."
  type        = string
  default     = null
}

variable "rds_db_user_arns" {
  description = "RDS IAM database users the task may connect as (rds-db:connect)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "sns_topic_arns" {
  description = "SNS topics the task may publish to (the alert topic)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "efs_access" {
  description = "EFS file system and access point the task mounts (client mount and write through that access point only)."
  type = object({
    file_system_arn  = string
    access_point_arn = string
  })
  default = null
}

variable "service" {
  description = "ECS service settings: desired count (later changes are left to autoscaling), deployment bounds, health-check grace (with a load balancer), the target group the main container joins, the Cloud Map registry, and values the service must wait for (e.g. EFS mount target ids)."
  type = object({
    desired_count                      = optional(number, 1)
    deployment_minimum_healthy_percent = optional(number, 100)
    deployment_maximum_percent         = optional(number, 200)
    health_check_grace_period_seconds  = optional(number)
    load_balancer = optional(object({
      target_group_arn = string
      container_name   = string
      container_port   = number
    }))
    registry_arn = optional(string)
    wait_for     = optional(list(string), [])
  })
  default  = {}
  nullable = false
}

variable "log_retention_days" {
  description = "Retention of the service's log group, in days."
  type        = number
  default     = 365
  nullable    = false
}

variable "log_kms_key_arn" {
  description = "KMS key of the log group (null: the CloudWatch Logs service key)."
  type        = string
  default     = null
}

variable "ecs_exec" {
  description = "Enable ECS Exec on the service (aws ecs execute-command, SSM port forwarding to a task) with the task role's SSM channel permissions."
  type        = bool
  default     = false
  nullable    = false
}
