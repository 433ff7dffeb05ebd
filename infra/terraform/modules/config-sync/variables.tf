variable "container_name" {
  description = "Name of the init container in the task definition."
  type        = string
  default     = "config-sync"
  nullable    = false
}

variable "image" {
  description = "Image that runs the copy: it needs python3 and boto3 (the stock LiteLLM image has both, so no image is built)."
  type        = string
  nullable    = false
}

variable "bucket" {
  description = "Bucket holding the objects."
  type        = string
  nullable    = false
}

variable "mounts" {
  description = "Task volumes the init container writes, and where it mounts them (the main containers mount the same volumes read-only)."
  type = list(object({
    volume = string
    path   = string
  }))
  nullable = false

  validation {
    condition     = length(var.mounts) > 0 && alltrue([for m in var.mounts : startswith(m.path, "/")])
    error_message = "mounts needs at least one entry with an absolute path."
  }
}

variable "objects" {
  description = "What to copy, pinned: S3 key, the object version (the aws_s3_object's version_id) and the absolute file path (inside one of the mounts). The versions are part of the task definition, so a rollback to an older revision restores the older configuration."
  type = list(object({
    key        = string
    version_id = string
    path       = string
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for o in var.objects : startswith(o.path, "/") && !strcontains(o.path, "..")])
    error_message = "objects need absolute paths without .. components."
  }
}

variable "items" {
  description = "Unpinned alternative to objects: S3 key prefix (ending in /) and the directory (inside one of the mounts) its current objects land in; required = false allows an empty prefix."
  type = list(object({
    prefix   = string
    path     = string
    required = optional(bool, true)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for i in var.items : endswith(i.prefix, "/") && startswith(i.path, "/")])
    error_message = "items prefixes end with / and paths are absolute."
  }
}

variable "content_hashes" {
  description = "Hashes (e.g. S3 object etags) of what is copied, set as environment variables of the init container: a change of content changes the task definition, which rolls the service."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "aws_region" {
  description = "Region of the bucket (AWS_REGION of the container)."
  type        = string
  nullable    = false
}

variable "log_group_name" {
  description = "CloudWatch log group of the task."
  type        = string
  nullable    = false
}
