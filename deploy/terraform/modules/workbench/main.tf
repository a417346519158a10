# The data scientists' workbench in the cloud: MLflow's tracking server and model registry on
# Cloud Run, its store a PostgreSQL database on Cloud SQL, its artefacts a bucket of their own
# (docs/architecture.md, "Experiments and the model registry"). The same client as the local
# SQLite store (`trendwatch models`, the benchmarks) points at it with TRENDWATCH_TRACKING_URI.
#
# Least privilege: the server's own account may connect to this one Cloud SQL instance, read
# the one secret holding its store's URI (with the database password; Terraform creates the
# secret, an operator adds its value, so no password is in state) and read and create objects
# in the artefact bucket. The server proxies artefacts (--serve-artifacts): clients need no
# access to the bucket. Only the data scientists' members and CI may call the service (IAM;
# `gcloud run services proxy` from a laptop); no service of the pipeline talks to it.

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
  description = "The tracking server's container (MLflow 3.17.2, the version of the workbench's client, with a PostgreSQL driver and the Cloud Storage client) in Artifact Registry."
  type        = string
}

variable "invokers" {
  description = "IAM members who may call the tracking server: the data scientists' group and CI's account."
  type        = list(string)
}

variable "kms_key_name" {
  description = "Customer-managed key for the bucket, the database and the secret; null keeps Google-managed keys."
  type        = string
  default     = null
}

variable "database_tier" {
  description = "Cloud SQL machine type: runs and registry rows are small, the smallest shared-core tier suffices."
  type        = string
  default     = "db-f1-micro"
}

variable "deletion_protection" {
  type    = bool
  default = true
}

locals {
  database = "mlflow"
  port     = 8080
}

resource "google_service_account" "tracking" {
  project      = var.project_id
  account_id   = "tw-mlflow"
  display_name = "trendwatch ${var.environment} MLflow tracking server"
}

resource "google_storage_bucket" "artifacts" {
  #checkov:skip=CKV_GCP_62:Cloud Audit Logs (data access) say who read or wrote artefacts; usage logs would need a log bucket of their own
  project                     = var.project_id
  name                        = "${var.project_id}-mlflow-artifacts"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = { app = "trendwatch", service = "mlflow", environment = var.environment }

  versioning {
    enabled = true
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }
}

# Read and create: artefacts are written once per run; nothing deletes them.
resource "google_storage_bucket_iam_member" "tracking_artifacts" {
  for_each = toset(["roles/storage.objectViewer", "roles/storage.objectCreator"])
  bucket   = google_storage_bucket.artifacts.name
  role     = each.key
  member   = google_service_account.tracking.member
}

resource "google_sql_database_instance" "tracking" {
  #checkov:skip=CKV_GCP_60:no authorised network: only the Cloud SQL connector reaches the instance, with IAM and client certificates (a private IP would need a VPC the platform otherwise does without)
  project             = var.project_id
  region              = var.region
  name                = "trendwatch-mlflow"
  database_version    = "POSTGRES_18"
  deletion_protection = var.deletion_protection
  encryption_key_name = var.kms_key_name

  settings {
    tier              = var.database_tier
    availability_type = "ZONAL"
    user_labels       = { app = "trendwatch", service = "mlflow", environment = var.environment }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
    }

    # No authorised network: the only way in is the Cloud SQL connector (Cloud Run's volume),
    # which authenticates with IAM (roles/cloudsql.client) and encrypts the connection.
    ip_configuration {
      ipv4_enabled = true
      ssl_mode     = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    }

    # Connections, locks, errors and schema changes logged (pgAudit included), not every query.
    database_flags {
      name  = "cloudsql.enable_pgaudit"
      value = "on"
    }
    database_flags {
      name  = "log_checkpoints"
      value = "on"
    }
    database_flags {
      name  = "log_connections"
      value = "on"
    }
    database_flags {
      name  = "log_disconnections"
      value = "on"
    }
    database_flags {
      name  = "log_duration"
      value = "on"
    }
    database_flags {
      name  = "log_hostname"
      value = "on"
    }
    database_flags {
      name  = "log_lock_waits"
      value = "on"
    }
    database_flags {
      name  = "log_min_duration_statement"
      value = "-1"
    }
    database_flags {
      name  = "log_min_error_statement"
      value = "error"
    }
    database_flags {
      name  = "log_min_messages"
      value = "error"
    }
    database_flags {
      name  = "log_statement"
      value = "ddl"
    }
    database_flags {
      name  = "log_temp_files"
      value = "0"
    }
  }
}

resource "google_sql_database" "tracking" {
  project  = var.project_id
  instance = google_sql_database_instance.tracking.name
  name     = local.database
}

# The server may connect to this instance alone.
resource "google_project_iam_member" "tracking_connects" {
  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = google_service_account.tracking.member
  condition {
    title      = "mlflow-instance-only"
    expression = "resource.name == \"projects/${var.project_id}/instances/${google_sql_database_instance.tracking.name}\""
  }
}

# The store's URI with the database user's password, e.g.
# postgresql+pg8000://mlflow:PASSWORD@/mlflow?unix_sock=/cloudsql/CONNECTION_NAME/.s.PGSQL.5432
# (the user is made with `gcloud sql users create`; docs/architecture.md).
resource "google_secret_manager_secret" "backend_store_uri" {
  project   = var.project_id
  secret_id = "mlflow-backend-store-uri"
  labels    = { app = "trendwatch", service = "mlflow" }

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

resource "google_secret_manager_secret_iam_member" "tracking_reads_store_uri" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.backend_store_uri.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.tracking.member
}

resource "google_cloud_run_v2_service" "tracking" {
  project             = var.project_id
  location            = var.region
  name                = "trendwatch-mlflow"
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.deletion_protection
  labels              = { app = "trendwatch", service = "mlflow", environment = var.environment }

  template {
    service_account = google_service_account.tracking.email
    # Scales to zero between sessions; one instance: SQLAlchemy's pool and the registry's
    # writes stay in one process.
    scaling {
      min_instance_count = 0
      max_instance_count = 1
    }
    volumes {
      name = "cloudsql"
      cloud_sql_instance {
        instances = [google_sql_database_instance.tracking.connection_name]
      }
    }
    containers {
      image = var.image
      args = [
        "server", "--host", "0.0.0.0", "--port", tostring(local.port),
        "--serve-artifacts", "--artifacts-destination", "gs://${google_storage_bucket.artifacts.name}",
      ]
      ports {
        container_port = local.port
      }
      resources {
        limits = { cpu = "1", memory = "1Gi" }
      }
      volume_mounts {
        name       = "cloudsql"
        mount_path = "/cloudsql"
      }
      env {
        name = "MLFLOW_BACKEND_STORE_URI"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.backend_store_uri.secret_id
            version = "latest"
          }
        }
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.tracking_reads_store_uri]
}

# Nobody else: the service is not public.
resource "google_cloud_run_v2_service_iam_member" "invokers" {
  for_each = toset(var.invokers)
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.tracking.name
  role     = "roles/run.invoker"
  member   = each.key
}

output "url" { value = google_cloud_run_v2_service.tracking.uri }
output "service_account" { value = google_service_account.tracking.email }
output "artifact_bucket" { value = google_storage_bucket.artifacts.name }
