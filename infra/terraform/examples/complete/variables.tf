variable "aws_region" {
  description = "Region of the example stack; the profile prefix of infra/litellm/models.yaml must serve it."
  type        = string
  nullable    = false
}
