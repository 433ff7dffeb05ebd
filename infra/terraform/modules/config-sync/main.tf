# Container definition of an init container that copies configuration from S3 into task volumes (see sync.py):
# exact object versions (objects), so each task definition revision names the configuration it runs with.
# The service's main containers declare dependsOn { containerName = <this>, condition = "SUCCESS" } and mount
# the same volumes read-only.

locals {
  container_definition = {
    name       = var.container_name
    image      = var.image
    essential  = false
    entryPoint = ["python3", "-c"]
    command    = [file("${path.module}/sync.py")]
    environment = concat(
      [
        { name = "AWS_REGION", value = var.aws_region },
        { name = "SYNC_BUCKET", value = var.bucket },
      ],
      # Exact object versions: the task definition revision pins its configuration (a rollback restores it).
      length(var.objects) == 0 ? [] : [
        { name = "SYNC_OBJECTS", value = jsonencode([for o in var.objects : { key = o.key, version_id = o.version_id, path = o.path }]) },
      ],
      length(var.items) == 0 ? [] : [
        { name = "SYNC_ITEMS", value = jsonencode([for i in var.items : { prefix = i.prefix, path = i.path, required = i.required }]) },
      ],
      [for k in sort(keys(var.content_hashes)) : { name = k, value = var.content_hashes[k] }],
    )
    mountPoints = [for m in var.mounts : { sourceVolume = m.volume, containerPath = m.path, readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.log_group_name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = var.container_name
      }
    }
  }
}
