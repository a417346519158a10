# The X API bearer token. Terraform creates the secret, never its value: an operator adds
# versions with `gcloud secrets versions add`, so the token is not in state.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

variable "project_id" { type = string }
variable "region" { type = string }

variable "kms_key_name" {
  description = "Regional customer-managed key; null keeps Google-managed encryption."
  type        = string
  default     = null
}

resource "google_secret_manager_secret" "x_bearer_token" {
  project   = var.project_id
  secret_id = "x-bearer-token"
  labels    = { app = "trendwatch" }

  replication {
    user_managed {
      replicas {
        location = var.region
        dynamic "customer_managed_encryption" {
          for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
          content {
            kms_key_name = customer_managed_encryption.value
          }
        }
      }
    }
  }
}

# Accessor rights are granted by the one module that reads the secret (stream_reader), on
# this secret only.
output "x_bearer_token_secret_id" { value = google_secret_manager_secret.x_bearer_token.secret_id }
