# The live X filtered-stream reader (`trendwatch stream --publish`) as a Cloud Run service.
# Cloud Run functions cannot hold X's long-lived streaming connection; this service holds it
# in exactly one instance (two readers would receive every tweet twice, and X allows one
# stream connection per app on most tiers), with its CPU always allocated: it handles no
# requests, it reads. It ingests as the ingest function does (shared/trendwatch/runtime/
# stream_reader.py), so its own account may do only that: read the bearer token, publish to
# tweets-raw and to ingest's dead-letter topic (malformed lines), and create objects under
# raw/tweets/ of the lake (the exact payloads, the only replayable copy of the live stream).

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

variable "project_id" { type = string }
variable "region" { type = string }
variable "environment" { type = string }

variable "image" {
  description = "The reader's container (deploy/stream-reader/Dockerfile) in Artifact Registry."
  type        = string
}

variable "topic_ids" {
  description = "Topic name => id (messaging module output); the reader publishes to tweets-raw and ingest-dead-letter."
  type        = map(string)
}

variable "lake_bucket" { type = string }

variable "x_bearer_token_secret_id" {
  description = "Secret Manager secret holding the X API bearer token (secrets module output)."
  type        = string
}

variable "deployer" {
  description = "CI's deployer (cicd module output): it rolls out new images of the reader, and nothing else here."
  type        = string
}

variable "deletion_protection" {
  type    = bool
  default = true
}

locals {
  publishes = ["tweets-raw", "ingest-dead-letter"]
  port      = 8080
}

resource "google_service_account" "reader" {
  project      = var.project_id
  account_id   = "tw-stream-reader"
  display_name = "trendwatch ${var.environment} X stream reader"
}

resource "google_secret_manager_secret_iam_member" "reader_reads_token" {
  project   = var.project_id
  secret_id = var.x_bearer_token_secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.reader.member
}

resource "google_pubsub_topic_iam_member" "reader_publishes" {
  for_each = toset(local.publishes)
  project  = var.project_id
  topic    = var.topic_ids[each.key]
  role     = "roles/pubsub.publisher"
  member   = google_service_account.reader.member
}

# Create only (no read, no overwrite: raw objects are written once), and only under raw/tweets/.
resource "google_storage_bucket_iam_member" "reader_writes_raw_tweets" {
  bucket = var.lake_bucket
  role   = "roles/storage.objectCreator"
  member = google_service_account.reader.member
  condition {
    title      = "raw-tweets-only"
    expression = "resource.name.startsWith(\"projects/_/buckets/${var.lake_bucket}/objects/raw/tweets/\")"
  }
}

resource "google_project_iam_member" "reader_telemetry" {
  for_each = toset(["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/cloudtrace.agent"])
  project  = var.project_id
  role     = each.key
  member   = google_service_account.reader.member
}

resource "google_cloud_run_v2_service" "reader" {
  project             = var.project_id
  location            = var.region
  name                = "trendwatch-stream-reader"
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = var.deletion_protection
  labels              = { app = "trendwatch", service = "stream-reader", environment = var.environment }

  template {
    service_account = google_service_account.reader.email
    scaling {
      min_instance_count = 1
      max_instance_count = 1
    }
    containers {
      image = var.image
      args  = ["stream", "--publish"]
      # Cloud Run sets PORT; the reader answers its probes there and serves nothing else.
      ports {
        container_port = local.port
      }
      resources {
        limits   = { cpu = "1", memory = "512Mi" }
        cpu_idle = false
      }
      startup_probe {
        tcp_socket {
          port = local.port
        }
      }
      env {
        name  = "TRENDWATCH_ENV"
        value = var.environment
      }
      env {
        name  = "TRENDWATCH_PROJECT"
        value = var.project_id
      }
      env {
        name  = "TRENDWATCH_LAKE_BUCKET"
        value = var.lake_bucket
      }
      env {
        name = "TRENDWATCH_X_BEARER_TOKEN"
        value_source {
          secret_key_ref {
            secret  = var.x_bearer_token_secret_id
            version = "latest"
          }
        }
      }
    }
  }

  # The image is rolled out by CI (deploy/cloudbuild/deploy-image.sh), and gcloud (CI,
  # restarts, rollbacks: docs/operations.md) records itself as the service's client:
  # Terraform leaves those alone.
  lifecycle {
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_secret_manager_secret_iam_member.reader_reads_token]
}

# CI owns the image version, Terraform everything else (as for the functions' code).
resource "google_cloud_run_v2_service_iam_member" "deployer" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.reader.name
  role     = "roles/run.developer"
  member   = var.deployer
}

# A new revision runs as the reader's account: the deployer may act as that account alone.
resource "google_service_account_iam_member" "deployer_acts_as_reader" {
  service_account_id = google_service_account.reader.name
  role               = "roles/iam.serviceAccountUser"
  member             = var.deployer
}

output "service_account" { value = google_service_account.reader.email }
output "service_name" { value = google_cloud_run_v2_service.reader.name }
