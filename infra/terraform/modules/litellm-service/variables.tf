variable "name" {
  description = "Name of the service and prefix of its resources (e.g. llmgw-dev-litellm)."
  type        = string
  nullable    = false
}

variable "image" {
  description = "The stock LiteLLM image: repository and tag (defaults = versions.env LITELLM_IMAGE / LITELLM_IMAGE_TAG, a test keeps them equal) and optional digest (sha256:<64 hex>) that pins the exact bytes (docs/deployment.md shows how to look it up)."
  type = object({
    repository = optional(string, "ghcr.io/berriai/litellm")
    tag        = optional(string, "v1.106.2")
    digest     = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.image.digest == null || can(regex("^sha256:[0-9a-f]{64}$", var.image.digest))
    error_message = "image.digest must be sha256: followed by 64 lowercase hex characters."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image.tag)) && var.image.tag != "latest"
    error_message = "image.tag must be a valid, explicit tag (not latest)."
  }
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
  nullable    = false
}

variable "cluster_name" {
  description = "ECS cluster name (autoscaling resource id)."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets of the tasks (one per availability zone)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs at least two subnets (availability zones)."
  }
}

variable "alb" {
  description = "The ALB in front of the service: its security group, this service's target group, ARN suffixes (metrics) and its idle timeout (the gateway's keep-alive outlasts it)."
  type = object({
    security_group_id       = string
    target_group_arn        = string
    arn_suffix              = string
    target_group_arn_suffix = string
    idle_timeout            = number
  })
  nullable = false
}

variable "service_discovery_namespace_id" {
  description = "Cloud Map private DNS namespace: each task registers an A record as <service_discovery_name>.<namespace>."
  type        = string
  nullable    = false
}

variable "service_discovery_name" {
  description = "Cloud Map service name (the scrape config's DNS SD name is this plus the namespace)."
  type        = string
  default     = "litellm"
  nullable    = false
}

variable "config_bucket" {
  description = "Bucket (name and ARN) the config and callbacks are uploaded to."
  type = object({
    id  = string
    arn = string
  })
  nullable = false
}

variable "config_file" {
  description = "Path of the LiteLLM config (the one file shared with the local stack and docker-compose)."
  type        = string
  nullable    = false
}

variable "callbacks_dir" {
  description = "Directory holding the llmgw_callbacks package (its parent goes on PYTHONPATH)."
  type        = string
  nullable    = false
}

variable "secret_arns" {
  description = "Secrets Manager ARNs of the LiteLLM master key and salt key, and of the metrics token (the bearer token of the metrics server VictoriaMetrics scrapes; it reads the metrics and nothing else)."
  type = object({
    master_key    = string
    salt_key      = string
    metrics_token = string
  })
  nullable = false
}

variable "database" {
  description = "PostgreSQL endpoint, the instance's resource id (IAM auth ARN), the RDS-managed master secret (JSON username/password: migrations and the user bootstrap only) and the user LiteLLM serves with (IAM token auth, created by the db-user init container)."
  type = object({
    host              = string
    port              = number
    name              = string
    resource_id       = string
    secret_arn        = string
    security_group_id = string
    app_user          = optional(string, "litellm_app")
  })
  nullable = false

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database.app_user))
    error_message = "database.app_user must be a plain PostgreSQL identifier (lowercase letters, digits, underscores)."
  }
}

variable "redis" {
  description = "Optional Redis/Valkey (ElastiCache) for rate limits and router state shared across tasks: endpoint, port, security group and the Secrets Manager ARN of its auth token."
  type = object({
    host              = string
    port              = number
    security_group_id = string
    auth_secret_arn   = string
  })
  default = null
}

variable "bedrock_policy_json" {
  description = "Bedrock policy of the task role, rendered from the model catalogue by the model-catalogue module (exactly its inference profiles and models: invoke, CountTokens, bedrock-mantle)."
  type        = string
  nullable    = false
}

variable "cpu" {
  description = "Task vCPU units (1024 = 1 vCPU). A worker is CPU-bound: one vCPU serves 1000 / (CPU ms per request) requests/s, e.g. ~27-40 Claude Code requests/s; calibrate with make bench (sizing model, docs/performance.md)."
  type        = number
  default     = 2048
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB (measured: ~390-550 MB per worker plus ~300 MB for the supervisor, ~1.3 GB for 2 workers; 4096 is also Fargate's smallest size for 2 vCPU; docs/performance.md)."
  type        = number
  default     = 4096
  nullable    = false

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "memory must be between 512 and 122880 MiB."
  }
}

variable "workers_per_task" {
  description = "Uvicorn workers per task (--num_workers): one per vCPU (cpu / 1024), a worker saturates one core (docs/performance.md)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.workers_per_task >= 1 && var.workers_per_task <= 16
    error_message = "workers_per_task must be between 1 and 16."
  }
}

variable "desired_count" {
  description = "Tasks at creation (autoscaling takes over afterwards)."
  type        = number
  default     = 2
  nullable    = false
}

variable "autoscaling" {
  description = "Task count bounds and target-tracking targets: average CPU percent (60: room for the sizing model's 15-20 % error and for bursts while a task starts; a 2-vCPU task then serves ~29 Claude Code requests/s on the reference machine, docs/performance.md), and in-flight requests per task (requests per second x average response time, from the ALB's metrics)."
  type = object({
    min_capacity       = optional(number, 2)
    max_capacity       = optional(number, 10)
    cpu_target         = optional(number, 60)
    in_flight_per_task = optional(number, 40)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.autoscaling.min_capacity >= 1 && var.autoscaling.max_capacity >= var.autoscaling.min_capacity
    error_message = "autoscaling needs min_capacity >= 1 and max_capacity >= min_capacity."
  }

  validation {
    condition     = var.autoscaling.cpu_target >= 10 && var.autoscaling.cpu_target <= 90 && var.autoscaling.in_flight_per_task >= 1 && var.autoscaling.in_flight_per_task <= 1000
    error_message = "autoscaling.cpu_target must be 10-90 (percent) and in_flight_per_task 1-1000."
  }
}

variable "stop_timeout" {
  description = "Seconds ECS waits after SIGTERM before SIGKILL, so in-flight streams can finish (Fargate maximum 120); the ALB deregistration delay gives draining connections longer."
  type        = number
  default     = 120
  nullable    = false

  validation {
    condition     = var.stop_timeout >= 2 && var.stop_timeout <= 120
    error_message = "stop_timeout must be between 2 and 120 seconds (Fargate limit)."
  }
}

variable "run_migrations" {
  description = "Run LiteLLM's database migrations in an init container of every task (litellm --skip_server_startup with DISABLE_SCHEMA_UPDATE=False; Prisma takes an advisory lock, so concurrent starts are safe)."
  type        = bool
  default     = true
  nullable    = false
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

variable "extra_environment" {
  description = "Additional non-secret environment variables of the LiteLLM container."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "ecs_exec" {
  description = "Enable ECS Exec on the service: the private admin path (aws ecs execute-command, SSM port forwarding to a task; docs/security-edge.md)."
  type        = bool
  default     = false
  nullable    = false
}
