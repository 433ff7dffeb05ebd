output "topic_arn" {
  description = "ARN of the alert topic (Alertmanager's sns_configs publish here)."
  value       = aws_sns_topic.this.arn
}

output "subscription_count" {
  description = "Number of subscriptions Terraform manages on the topic (e-mail plus HTTPS)."
  value       = length(aws_sns_topic_subscription.email) + length(aws_sns_topic_subscription.https)
}
