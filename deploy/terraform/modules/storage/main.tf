terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

variable "project_id" { type = string }
variable "region" { type = string }
variable "environment" { type = string }

variable "kms_key_name" {
  description = "Customer-managed key for every bucket; null keeps Google-managed keys."
  type        = string
  default     = null
}

variable "access_log_bucket" {
  description = "Bucket receiving usage logs of the data buckets; null disables usage logs."
  type        = string
  default     = null
}

variable "raw_nearline_after_days" {
  type    = number
  default = 30
}

variable "transient_expiry_days" {
  description = "Days before quarantine/ and deadletter/ objects are deleted."
  type        = number
  default     = 90
}

locals {
  buckets = {
    # The lake: exact payloads, quarantined rows and dead letters; versioned (write-once data).
    lake = { name = "${var.project_id}-lake", versioned = true }
    # The files that trigger functions (feeds/, incoming/tweets/: one Cloud Storage
    # notification per prefix) land here and nothing else does.
    landing = { name = "${var.project_id}-landing", versioned = true }
    # Zipped function sources uploaded by CI, one object per service build.
    sources = { name = "${var.project_id}-function-sources", versioned = true }
  }
}

# With a customer-managed key, Cloud Storage's service agent (the data source below) encrypts and
# decrypts the objects: it may use that key and no other, from before the buckets are created.
resource "google_kms_crypto_key_iam_member" "agent_uses_key" {
  count         = var.kms_key_name == null ? 0 : 1
  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = data.google_storage_project_service_account.agent.member
}

resource "google_storage_bucket" "this" {
  #checkov:skip=CKV_GCP_62:usage logs go to var.access_log_bucket when set; a log bucket cannot log to itself
  depends_on                  = [google_kms_crypto_key_iam_member.agent_uses_key]
  for_each                    = local.buckets
  project                     = var.project_id
  name                        = each.value.name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = { app = "trendwatch", environment = var.environment }

  versioning {
    enabled = each.value.versioned
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  dynamic "logging" {
    for_each = var.access_log_bucket == null ? [] : [var.access_log_bucket]
    content {
      log_bucket        = logging.value
      log_object_prefix = each.key
    }
  }

  dynamic "lifecycle_rule" {
    for_each = each.key == "lake" ? [1] : []
    content {
      condition {
        age            = var.raw_nearline_after_days
        matches_prefix = ["raw/"]
      }
      action {
        type          = "SetStorageClass"
        storage_class = "NEARLINE"
      }
    }
  }

  dynamic "lifecycle_rule" {
    for_each = each.key == "lake" ? [1] : []
    content {
      condition {
        age            = var.transient_expiry_days
        matches_prefix = ["quarantine/", "deadletter/"]
      }
      action {
        type = "Delete"
      }
    }
  }

  # Landed files are read once by their function; keep them only long enough to replay.
  dynamic "lifecycle_rule" {
    for_each = each.key == "landing" ? [1] : []
    content {
      condition {
        age = var.transient_expiry_days
      }
      action {
        type = "Delete"
      }
    }
  }

  # Noncurrent versions exist for rollback and accident recovery only.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }
}

output "lake_bucket" { value = google_storage_bucket.this["lake"].name }
output "landing_bucket" { value = google_storage_bucket.this["landing"].name }
output "sources_bucket" { value = google_storage_bucket.this["sources"].name }

# Cloud Storage's service agent publishes the landing bucket's notifications (the storage
# triggers); each service module lets it publish to its own trigger topics alone.
data "google_storage_project_service_account" "agent" {
  project = var.project_id
}

output "storage_agent" {
  description = "Cloud Storage's service agent (member)."
  value       = data.google_storage_project_service_account.agent.member
}
