output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch dimension of the in-flight scaling metric)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the load balancer (CloudFront's origin when no origin domain is set)."
  value       = aws_lb.this.dns_name
}

output "security_group_id" {
  description = "Security group of the load balancer; services add their own ingress from it."
  value       = aws_security_group.alb.id
}

output "listener_arn" {
  description = "The one listener (HTTPS on 443 with a certificate, else HTTP on 80)."
  value       = local.listener_arn
}

output "listener_protocol" {
  description = "\"https\" or \"http\": the origin protocol CloudFront must use."
  value       = local.https ? "https" : "http"
}

output "target_group_arns" {
  description = "Target group ARN per target key (available once its listener rule exists: ECS refuses target groups without a load balancer)."
  value       = { for k, tg in aws_lb_target_group.this : k => tg.arn }
  depends_on  = [aws_lb_listener_rule.target]
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix per target key (CloudWatch dimension of the in-flight scaling metric)."
  value       = { for k, tg in aws_lb_target_group.this : k => tg.arn_suffix }
}

output "origin_header" {
  description = "Name and value of the secret origin header CloudFront must send (sensitive; never exposed by environments)."
  value = {
    name  = var.origin_header_name
    value = random_password.origin_secret.result
  }
  sensitive = true
}

output "idle_timeout" {
  description = "Idle timeout of the load balancer in seconds: targets must keep idle connections open longer (keep-alive)."
  value       = aws_lb.this.idle_timeout
}
