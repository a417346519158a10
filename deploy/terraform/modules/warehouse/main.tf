# BigQuery dataset and tables (from tables.auto.tf.json, generated from the warehouse schema),
# plus a dataset of authorized views per role: analysts and data scientists never get the base
# dataset. Who may read and write what is in access.tf.

terraform {
  required_version = ">= 1.5"
  required_providers {
    # 6.36 brought google_bigquery_row_access_policy (access.tf).
    google = { source = "hashicorp/google", version = "~> 6.36" }
  }
}

variable "project_id" { type = string }
variable "region" { type = string }

variable "dataset_id" {
  type    = string
  default = "trendwatch"
}

variable "kms_key_name" {
  type    = string
  default = null
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "analyst_members" {
  description = "IAM members (e.g. group:analysts@example.com) who read the analyst views."
  type        = list(string)
  default     = []
}

variable "data_scientist_members" {
  description = "IAM members who read the data scientists' views, personal columns included."
  type        = list(string)
  default     = []
}

variable "administrator_members" {
  description = "IAM members who read the base dataset (dead letters included) and personal columns."
  type        = list(string)
  default     = []
}

# With a customer-managed key, BigQuery's service agent encrypts and decrypts the tables: it may
# use that key and no other, from before the dataset and its tables are created.
data "google_bigquery_default_service_account" "agent" {
  count   = var.kms_key_name == null ? 0 : 1
  project = var.project_id
}

resource "google_kms_crypto_key_iam_member" "agent_uses_key" {
  count         = var.kms_key_name == null ? 0 : 1
  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${data.google_bigquery_default_service_account.agent[0].email}"
}

resource "google_bigquery_dataset" "main" {
  depends_on = [google_kms_crypto_key_iam_member.agent_uses_key]
  project    = var.project_id
  dataset_id = var.dataset_id
  location   = var.region
  labels     = { app = "trendwatch" }

  dynamic "default_encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }
}

resource "google_bigquery_table" "this" {
  depends_on          = [google_kms_crypto_key_iam_member.agent_uses_key]
  for_each            = local.tables
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.main.dataset_id
  table_id            = each.key
  description         = each.value.description
  schema              = each.value.schema
  clustering          = each.value.clustering
  deletion_protection = var.deletion_protection
  labels              = { app = "trendwatch" }

  dynamic "time_partitioning" {
    for_each = each.value.partition_field == null ? [] : [each.value.partition_field]
    content {
      type          = "DAY"
      field         = time_partitioning.value
      expiration_ms = each.value.partition_expiration_ms
    }
  }

  dynamic "encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = encryption_configuration.value
    }
  }
}

# Analysts' dataset of authorized views (module role_views): each table without its personal
# columns (policy-tagged, access.tf) and the views answering analysts' questions (from
# views.auto.tf.json, generated from trendwatch.warehouse.views) that name none.
module "analyst_views" {
  source     = "../role_views"
  depends_on = [google_kms_crypto_key_iam_member.agent_uses_key, google_bigquery_table.this]

  project_id          = var.project_id
  region              = var.region
  dataset_id          = "${var.dataset_id}_analyst"
  base_dataset_id     = google_bigquery_dataset.main.dataset_id
  kms_key_name        = var.kms_key_name
  deletion_protection = var.deletion_protection
  readers             = var.analyst_members
  views = merge(
    {
      for k, t in local.tables : k => {
        description = t.description
        query       = "SELECT ${join(", ", [for c in t.columns : "`${c}`" if !contains(t.personal_columns, c)])} FROM `${var.project_id}.${google_bigquery_dataset.main.dataset_id}.${k}`"
      } if t.analyst_view
    },
    { for k, v in local.views : k => { description = v.description, query = v.query } if !v.personal },
  )
}

# Running a query (Looker Studio, the console, notebooks) needs jobs.create in the project;
# what the query may read stays limited to the analyst dataset above.
resource "google_project_iam_member" "analysts_run_queries" {
  for_each = toset(var.analyst_members)
  project  = var.project_id
  role     = "roles/bigquery.jobUser"
  member   = each.key
}

output "dataset_id" { value = google_bigquery_dataset.main.dataset_id }
output "dataset_location" {
  description = "Where the dataset lives: the location every BigQuery client of it runs jobs in."
  value       = google_bigquery_dataset.main.location
}
output "dead_letters_table" {
  description = "The table the dead-letter topics' BigQuery subscriptions write (messaging module)."
  value = {
    dataset_id = google_bigquery_dataset.main.dataset_id
    table_id   = google_bigquery_table.this["dead_letters"].table_id
  }
}
output "analyst_dataset_id" { value = module.analyst_views.dataset_id }
output "data_scientist_dataset_id" { value = module.data_scientist_views.dataset_id }
