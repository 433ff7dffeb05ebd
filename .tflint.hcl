# TFLint configuration for every Terraform directory (CI's terraform job runs `tflint --init` with it, then
# `tflint --config <this file>` in each module, example and environment; pre-commit runs the same).
config {
  call_module_type = "local"
}

# Terraform language rules bundled with TFLint: unused declarations, typed variables, pinned versions, ...
plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

# AWS rules: invalid instance classes, node types, regions and other arguments the provider schema cannot reject.
plugin "aws" {
  enabled = true
  version = "0.47.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
