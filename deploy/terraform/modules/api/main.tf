# The analysts' HTTP API and dashboard (`trendwatch serve`) as a Cloud Run service: its own
# service account that can only read the warehouse (write its saved searches) and the lake's
# objects (the images it serves), reachable only through the load balancer of frontdoor.tf,
# where IAP authenticates people, and callable only by IAP's agent and the listed invokers.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

variable "project_id" { type = string }
variable "region" { type = string }
variable "environment" { type = string }
variable "dataset_id" { type = string }

variable "dataset_location" {
  description = "The dataset's location (TRENDWATCH_BQ_LOCATION): BigQuery jobs run there or do not find it."
  type        = string
}

variable "lake_bucket" {
  description = "The lake bucket, whose images the API serves (/api/v1/media/{key}, the dashboard)."
  type        = string
}

variable "image" {
  description = "The API's first container (deploy/api/Dockerfile), pushed to Artifact Registry by CI; CI deploys the later ones."
  type        = string
}

variable "deployer" {
  description = "The CI/CD deployer (member), which rolls out new images of the API."
  type        = string
}

variable "invokers" {
  description = "Members allowed to call the service besides IAP's agent (people go through IAP: role_members)."
  type        = list(string)
  default     = []
}

variable "max_instances" {
  type    = number
  default = 3
}

variable "deletion_protection" {
  type    = bool
  default = true
}

resource "google_service_account" "api" {
  project      = var.project_id
  account_id   = "tw-api"
  display_name = "trendwatch ${var.environment} analysts' API"
}

# Its tables: read every shared table and write the saved searches, granted table by table by
# the warehouse module (modules/warehouse/access.tf); here only query jobs billed to the project.

# Read-only, on the lake bucket alone: the images the API serves are objects there.
resource "google_storage_bucket_iam_member" "api_reads_lake" {
  bucket = var.lake_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.api.member
}

resource "google_project_iam_member" "api" {
  for_each = toset([
    "roles/bigquery.jobUser",
    # the Storage Read API's sessions (large results); what they read is the tables' grants
    "roles/bigquery.readSessionUser",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/cloudtrace.agent",
  ])
  project = var.project_id
  role    = each.key
  member  = google_service_account.api.member
}

resource "google_cloud_run_v2_service" "api" {
  project             = var.project_id
  location            = var.region
  name                = local.service_name
  # Internal and Cloud Load Balancing: the front door (frontdoor.tf), never the run.app URL.
  ingress             = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
  deletion_protection = var.deletion_protection
  labels              = { app = "trendwatch", service = "api", environment = var.environment }

  template {
    service_account = google_service_account.api.email
    scaling {
      min_instance_count = 0
      max_instance_count = var.max_instances
    }
    containers {
      image = var.image
      args  = ["serve", "--host", "0.0.0.0", "--port", "8080"]
      ports {
        container_port = 8080
      }
      resources {
        limits = { cpu = "1", memory = "1Gi" }
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
        name  = "TRENDWATCH_DATASET"
        value = var.dataset_id
      }
      env {
        name  = "TRENDWATCH_BQ_LOCATION"
        value = var.dataset_location
      }
      env {
        name  = "TRENDWATCH_LAKE_BUCKET"
        value = var.lake_bucket
      }
      # Every request must carry IAP's signed header for this backend service...
      env {
        name  = "TRENDWATCH_IAP_AUDIENCE"
        value = local.iap_audience
      }
      # ...for a person the role map names.
      env {
        name  = "TRENDWATCH_API_ROLES"
        value = jsonencode(var.api_roles)
      }
    }
  }

  # The image is rolled out by CI (deploy/cloudbuild/deploy-image.sh), which gcloud records as
  # the service's client: Terraform leaves both alone.
  lifecycle {
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }
}

# CI owns the image version, Terraform everything else (as for the functions' code).
resource "google_cloud_run_v2_service_iam_member" "deployer" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.developer"
  member   = var.deployer
}

# A new revision runs as tw-api: the deployer may act as that account alone.
resource "google_service_account_iam_member" "deployer_acts_as_api" {
  service_account_id = google_service_account.api.name
  role               = "roles/iam.serviceAccountUser"
  member             = var.deployer
}

resource "google_cloud_run_v2_service_iam_member" "invokers" {
  for_each = toset(var.invokers)
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  member   = each.key
}

output "api_service_account" { value = google_service_account.api.email }
output "api_uri" { value = google_cloud_run_v2_service.api.uri }
output "service_name" { value = google_cloud_run_v2_service.api.name }
