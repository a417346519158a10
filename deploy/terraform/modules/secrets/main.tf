# The secrets: the X API bearer token and the alert webhook's URL. Terraform creates each
# secret, never its value: an operator adds versions with `gcloud secrets versions add`, so
# neither is in state.

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

# The alert webhook's URL (a Slack-compatible incoming webhook: whoever has it may post to the
# channel). Read by the services whose jobs post alerts (trendwatch.deploy.terraform SECRETS).
resource "google_secret_manager_secret" "alert_webhook_url" {
  project   = var.project_id
  secret_id = "alert-webhook-url"
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

# Accessor rights are granted by the modules that read a secret, on that secret only.
output "x_bearer_token_secret_id" { value = google_secret_manager_secret.x_bearer_token.secret_id }
output "alert_webhook_url_secret_id" { value = google_secret_manager_secret.alert_webhook_url.secret_id }
