output "execution_role_arn" {
  description = "ARN of the execution role (task definition execution_role_arn)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "ARN of the task role (task definition task_role_arn)."
  value       = aws_iam_role.task.arn
}

output "task_role_name" {
  description = "Name of the task role."
  value       = aws_iam_role.task.name
}

output "bedrock_policy_json" {
  description = "The Bedrock policy attached to the task role (null when the service has no Bedrock access)."
  value       = var.bedrock_policy_json
}

output "task_policy_json" {
  description = "The task role's own policy document (configuration and EFS access; Bedrock is bedrock_policy_json)."
  value       = data.aws_iam_policy_document.task.json
}
