# The task role's Bedrock policy for the repository's model catalogue, without any provider or AWS account:
#   terraform init && terraform apply -var region=us-east-1 -var account_id=111122223333
#   terraform output -raw bedrock_policy_json | jq .

module "catalogue" {
  source = "../../modules/model-catalogue"

  region     = var.region
  partition  = var.partition
  account_id = var.account_id
}
