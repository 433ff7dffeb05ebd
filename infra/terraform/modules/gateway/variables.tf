variable "project" {
  description = "Short project name, first part of every resource name."
  type        = string
  default     = "llmgw"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.project))
    error_message = "project must be 2-12 lowercase letters or digits, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod): second part of every resource name and the metrics environment label."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lowercase letters or digits."
  }
}

variable "network" {
  description = "VPC CIDR, number of availability zones, NAT layout (\"single\" or \"per_az\") and the interface VPC endpoints (null: bedrock-runtime, ecr.api, ecr.dkr, logs, secretsmanager)."
  type = object({
    cidr_block          = optional(string, "10.40.0.0/16")
    az_count            = optional(number, 2)
    nat_gateway_mode    = optional(string, "per_az")
    interface_endpoints = optional(set(string))
  })
  default  = {}
  nullable = false
}

variable "litellm" {
  description = "LiteLLM service sizing and image: vCPU units, memory, workers per task, task count bounds, autoscaling targets (CPU percent, in-flight requests per task), image tag/digest (repository and tag default to versions.env)."
  type = object({
    cpu                = optional(number, 2048)
    memory             = optional(number, 4096)
    workers_per_task   = optional(number, 2)
    desired_count      = optional(number, 2)
    min_capacity       = optional(number, 2)
    max_capacity       = optional(number, 10)
    cpu_target         = optional(number, 60)
    in_flight_per_task = optional(number, 40)
    image_repository   = optional(string, "ghcr.io/berriai/litellm")
    image_tag          = optional(string, "v1.106.2")
    image_digest       = optional(string)
    drain_seconds      = optional(number, 900)
  })
  default  = {}
  nullable = false
}

variable "database" {
  description = "RDS PostgreSQL settings."
  type = object({
    instance_class        = optional(string, "db.t4g.small")
    allocated_storage     = optional(number, 20)
    max_allocated_storage = optional(number, 100)
    multi_az              = optional(bool, true)
    backup_retention_days = optional(number, 14)
    deletion_protection   = optional(bool, true)
    skip_final_snapshot   = optional(bool, false)
    performance_insights  = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "redis" {
  description = "Optional ElastiCache (Valkey) for rate limits and router state shared across tasks; null disables it."
  type = object({
    node_type = optional(string, "cache.t4g.micro")
    replicas  = optional(number, 1)
  })
  default = null
}

variable "edge" {
  description = "CloudFront/WAF/ALB settings: custom domain (Route 53 zone), ALB certificate for an HTTPS origin (origin_domain_name must be covered by it and point at the ALB; required unless allow_plaintext_origin), origin read timeout (60 s; up to 180 s with a quota increase), rate limits per API key and per IP, admin CIDRs (IPv4/IPv6), ALB idle timeout, ALB deletion protection."
  type = object({
    custom_domain = optional(object({
      name            = string
      route53_zone_id = string
    }))
    origin_certificate_arn      = optional(string)
    origin_domain_name          = optional(string)
    allow_plaintext_origin      = optional(bool, false)
    origin_read_timeout         = optional(number, 60)
    rate_limit_per_key_per_5min = optional(number, 3000)
    rate_limit_per_ip_per_5min  = optional(number, 20000)
    admin_allowed_cidrs         = optional(list(string), [])
    alb_idle_timeout            = optional(number, 900)
    alb_deletion_protect        = optional(bool, true)
    price_class                 = optional(string, "PriceClass_100")
  })
  default  = {}
  nullable = false

  validation {
    condition     = (var.edge.origin_certificate_arn == null) == (var.edge.origin_domain_name == null)
    error_message = "origin_certificate_arn and origin_domain_name are set together (HTTPS origin) or not at all."
  }

  validation {
    condition     = var.edge.origin_certificate_arn != null || var.edge.allow_plaintext_origin
    error_message = "The CloudFront-to-ALB hop must be HTTPS: set origin_certificate_arn and origin_domain_name (docs/deployment.md), or allow_plaintext_origin = true explicitly (throw-away dev stacks only)."
  }

  validation {
    condition     = var.edge.origin_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.edge.origin_certificate_arn))
    error_message = "origin_certificate_arn must be an ACM certificate ARN (in the stack's region)."
  }

  validation {
    condition     = var.edge.custom_domain == null || var.edge.origin_domain_name == null || try(var.edge.custom_domain.name != var.edge.origin_domain_name, true)
    error_message = "origin_domain_name must differ from custom_domain.name: the custom name points at CloudFront, the origin name at the ALB."
  }
}

variable "observability" {
  description = "VictoriaMetrics retention and scrape interval, task sizes of VictoriaMetrics and Grafana."
  type = object({
    retention_period = optional(string, "90d")
    scrape_interval  = optional(string, "15s")
    vm_cpu           = optional(number, 512)
    vm_memory        = optional(number, 1024)
    grafana_cpu      = optional(number, 256)
    grafana_memory   = optional(number, 512)
  })
  default  = {}
  nullable = false
}

variable "alerting" {
  description = "Who gets paged: e-mail addresses and HTTPS endpoints subscribed to the alert topic (SNS; each e-mail must confirm AWS's subscription e-mail), optional Secrets Manager ARNs holding a Slack incoming-webhook URL (with its channel) or other webhook URLs for Alertmanager, and the base URL of the runbooks the alerts link (this repository's docs/runbooks as the team browses it)."
  type = object({
    email_addresses          = optional(list(string), [])
    https_endpoints          = optional(list(string), [])
    slack_webhook_secret_arn = optional(string)
    slack_channel            = optional(string)
    webhook_secret_arns      = optional(list(string), [])
    runbook_base_url         = string
  })
  nullable = false
}

variable "images" {
  description = "VictoriaMetrics, vmalert, Alertmanager and Grafana images (tag@digest); null keeps the module defaults (= versions.env)."
  type = object({
    victoriametrics = optional(string)
    vmalert         = optional(string)
    alertmanager    = optional(string)
    grafana         = optional(string)
  })
  default  = {}
  nullable = false
}

variable "log_retention_days" {
  description = "Retention of every log group of the stack, in days."
  type        = number
  default     = 365
  nullable    = false
}

variable "secret_recovery_window_days" {
  description = "Recovery window of the generated secrets (0 for throw-away dev stacks)."
  type        = number
  default     = 7
  nullable    = false
}

variable "config_bucket_force_destroy" {
  description = "Allow destroy to empty the configuration bucket (it only holds copies of files from git)."
  type        = bool
  default     = true
  nullable    = false
}

variable "grafana" {
  description = "Grafana's access: sso (OIDC through Grafana's generic OAuth, the grafana module's sso input; null: admin password only) and public (true: /grafana is on the public path for everyone, which requires sso; false: only admin clients reach it, i.e. edge.admin_allowed_cidrs or the private admin path, docs/security-edge.md)."
  type = object({
    public = optional(bool, false)
    sso    = optional(any) # the grafana module's sso input (typed and validated there)
  })
  default  = {}
  nullable = false

  validation {
    condition     = !var.grafana.public || var.grafana.sso != null
    error_message = "grafana.public needs grafana.sso: Grafana's dashboards show per-user spend, so a public Grafana must sit behind single sign-on."
  }
}

variable "key_broker" {
  description = "The key broker (docs/identity.md): enabled puts it on Fargate beside LiteLLM with its policy (infra/broker/policy.yaml), its routes on the public path (infra/broker/public-routes.yaml), its metrics scraped and an empty Secrets Manager secret for its credential, which an operator fills with `python -m llmgw.broker credential` (docs/deployment.md). sweep_interval: seconds between policy re-reads and revocation sweeps; cpu and memory of its task."
  type = object({
    enabled        = optional(bool, false)
    sweep_interval = optional(number, 300)
    cpu            = optional(number, 256)
    memory         = optional(number, 512)
  })
  default  = {}
  nullable = false
}

variable "ecs_exec" {
  description = "ECS Exec on the LiteLLM and Grafana services: the private admin path (SSM port forwarding to a task, docs/security-edge.md) for operators whose IAM allows ecs:ExecuteCommand and ssm:StartSession. false turns it off."
  type        = bool
  default     = true
  nullable    = false
}
