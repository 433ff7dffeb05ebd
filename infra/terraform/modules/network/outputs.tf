output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Availability zones the subnets span."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets (ALB, NAT gateways), one per availability zone."
  value       = [for az in local.azs : aws_subnet.public[az].id]
}

output "private_subnet_ids" {
  description = "Private subnets (ECS tasks, RDS, Redis, EFS, endpoints), one per availability zone."
  value       = [for az in local.azs : aws_subnet.private[az].id]
}

output "nat_gateway_count" {
  description = "Number of NAT gateways (1 in single mode, one per AZ otherwise)."
  value       = length(aws_nat_gateway.this)
}

output "interface_endpoint_ids" {
  description = "Interface endpoint IDs by service (bedrock-runtime, ecr.api, ecr.dkr, logs, secretsmanager)."
  value       = { for k, e in aws_vpc_endpoint.interface : k => e.id }
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint."
  value       = aws_vpc_endpoint.s3.id
}
