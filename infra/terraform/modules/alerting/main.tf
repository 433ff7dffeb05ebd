# Where alerts go on ECS: one SNS topic that the Alertmanager of the VictoriaMetrics task publishes to (its
# sns_configs, signed with the task role), with the on-call subscriptions as Terraform inputs: e-mail addresses
# (each confirms the subscription from the e-mail AWS sends) and HTTPS endpoints that confirm SNS subscriptions
# (PagerDuty, Opsgenie, AWS Chatbot for Slack/Teams). Slack incoming webhooks and other webhooks that need a secret
# URL go through Alertmanager directly, their URLs in Secrets Manager (victoriametrics module, alerting input).

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = var.kms_key_arn

  tags = { Name = var.name }
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.email_addresses)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_subscription" "https" {
  for_each = toset(var.https_endpoints)

  topic_arn              = aws_sns_topic.this.arn
  protocol               = "https"
  endpoint               = each.value
  endpoint_auto_confirms = var.https_endpoints_auto_confirm
}
