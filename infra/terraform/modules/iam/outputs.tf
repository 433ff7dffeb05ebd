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

output "bedrock_resource_arns" {
  description = "Inference profile and foundation model ARNs the task role may invoke."
  value       = concat(local.inference_profile_arns, local.foundation_model_arns)
}

output "task_policy_json" {
  description = "The task role's policy document (for review and tests)."
  value       = data.aws_iam_policy_document.task.json
}
