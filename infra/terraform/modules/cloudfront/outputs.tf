output "url" {
  description = "Public HTTPS URL of the gateway (custom domain when set, else the CloudFront domain)."
  value       = "https://${var.custom_domain == null ? aws_cloudfront_distribution.this.domain_name : var.custom_domain.name}"
}

output "distribution_id" {
  description = "ID of the CloudFront distribution."
  value       = aws_cloudfront_distribution.this.id
}

output "domain_name" {
  description = "The distribution's *.cloudfront.net name."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "web_acl_arn" {
  description = "ARN of the WAF web ACL (scope CLOUDFRONT, us-east-1)."
  value       = aws_wafv2_web_acl.this.arn
}

output "waf_log_group_name" {
  description = "CloudWatch log group of WAF (us-east-1)."
  value       = aws_cloudwatch_log_group.waf.name
}
