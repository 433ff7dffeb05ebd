# One-time bootstrap of the Terraform state bucket (S3, versioned, encrypted, TLS only; native S3 locking).

module "state_backend" {
  source = "../../modules/state-backend"

  bucket_name = var.state_bucket_name
}
