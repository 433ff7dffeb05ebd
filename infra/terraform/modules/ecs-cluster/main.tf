# ECS cluster (Fargate, Container Insights) and the private DNS namespace services register their tasks in.

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = var.fargate_spot_weight
  }
}

resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = coalesce(var.namespace_name, "${var.name}.internal")
  description = "Service discovery for ${var.name} (per-task A records)"
  vpc         = var.vpc_id
}
