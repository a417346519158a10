# The remote-state buckets of the environments (envs/<env>/backend.tf), which must exist
# before their first `terraform init`. Run once, with local state, by someone who can create
# buckets in every environment's project:
#
#   cd deploy/terraform/bootstrap && terraform init && terraform apply
#
# Its own state is a few resources: keep terraform.tfstate somewhere safe, or `terraform
# import` the buckets if it is lost. The buckets cannot be destroyed from here.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

provider "google" {
  region = var.region
}

variable "projects" {
  description = "Environment => its GCP project (as in envs/<env>/terraform.tfvars)."
  type        = map(string)
  default = {
    dev     = "trendwatch-dev"
    staging = "trendwatch-staging"
    prod    = "trendwatch-prod"
  }
}

variable "region" {
  type    = string
  default = "europe-west1"
}

variable "kms_key_names" {
  description = "Environment => customer-managed key for its state bucket; absent = Google-managed."
  type        = map(string)
  default     = {}
}

variable "noncurrent_versions_kept" {
  description = "Earlier versions of each state file kept to recover from a bad apply."
  type        = number
  default     = 50
}

resource "google_storage_bucket" "state" {
  #checkov:skip=CKV_GCP_62:Cloud Audit Logs (data access) say who read or wrote state; usage logs would need a log bucket of their own
  for_each = var.projects
  project  = each.value
  # The name each envs/<env>/backend.tf expects (backends cannot read variables).
  name                        = "trendwatch-${each.key}-tfstate"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = { app = "trendwatch", environment = each.key, purpose = "terraform-state" }

  versioning {
    enabled = true
  }

  dynamic "encryption" {
    for_each = contains(keys(var.kms_key_names), each.key) ? [var.kms_key_names[each.key]] : []
    content {
      default_kms_key_name = encryption.value
    }
  }

  lifecycle_rule {
    condition {
      num_newer_versions = var.noncurrent_versions_kept
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

output "state_buckets" {
  description = "Environment => its state bucket."
  value       = { for env, bucket in google_storage_bucket.state : env => bucket.name }
}
