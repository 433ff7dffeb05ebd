# Checks of the alert topic with mocked AWS (apply against the mock: nothing real is created).

mock_provider "aws" {}

variables {
  name            = "llmgw-test-alerts"
  email_addresses = ["oncall@example.com", "platform-lead@example.com"]
  https_endpoints = ["https://events.pagerduty.com/integration/0123456789abcdef/enqueue"]
}

run "every_subscription_on_one_encrypted_topic" {
  command = apply

  assert {
    condition     = output.subscription_count == 3
    error_message = "two e-mail and one HTTPS subscription expected"
  }

  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == "alias/aws/sns"
    error_message = "the topic must be encrypted (SNS's AWS managed key by default)"
  }

  assert {
    condition     = aws_sns_topic_subscription.email["oncall@example.com"].protocol == "email"
    error_message = "e-mail addresses subscribe with protocol email"
  }

  assert {
    condition     = aws_sns_topic_subscription.https["https://events.pagerduty.com/integration/0123456789abcdef/enqueue"].endpoint_auto_confirms
    error_message = "HTTPS endpoints confirm their subscription by default"
  }
}

run "no_subscriber_is_allowed" {
  command = plan

  variables {
    email_addresses = []
    https_endpoints = []
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0 && length(aws_sns_topic_subscription.https) == 0
    error_message = "without subscribers only the topic exists"
  }
}

run "plain_http_endpoints_are_refused" {
  command = plan

  variables {
    https_endpoints = ["http://hooks.example.com/alerts"]
  }

  expect_failures = [var.https_endpoints]
}

run "bad_email_addresses_are_refused" {
  command = plan

  variables {
    email_addresses = ["oncall"]
  }

  expect_failures = [var.email_addresses]
}
