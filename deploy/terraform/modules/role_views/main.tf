# One role's dataset of authorized views over the base dataset: the views (each names the
# columns it selects), each authorized on the base dataset, and the role's readers. Analysts and
# data scientists each get one (warehouse module, access.tf); neither role reads the base
# dataset itself.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.36" }
  }
}

variable "project_id" { type = string }
variable "region" { type = string }

variable "dataset_id" {
  description = "The role's dataset, created here (e.g. trendwatch_analyst)."
  type        = string
}

variable "base_dataset_id" {
  description = "The dataset the views read, which authorizes them."
  type        = string
}

variable "views" {
  description = "View name => its description and query (standard SQL, naming the base dataset's tables in full)."
  type = map(object({
    description = string
    query       = string
  }))
}

variable "readers" {
  description = "IAM members who read the role's views (roles/bigquery.dataViewer on its dataset)."
  type        = list(string)
  default     = []
}

variable "kms_key_name" {
  type    = string
  default = null
}

variable "deletion_protection" {
  type    = bool
  default = true
}

resource "google_bigquery_dataset" "this" {
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

resource "google_bigquery_table" "view" {
  #checkov:skip=CKV_GCP_80:a view stores no data; the base tables carry the key when kms_key_name is set
  for_each            = var.views
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.this.dataset_id
  table_id            = each.key
  description         = each.value.description
  deletion_protection = var.deletion_protection
  labels              = { app = "trendwatch" }

  view {
    query          = each.value.query
    use_legacy_sql = false
  }
}

# Each view may read the base dataset on its readers' behalf; they cannot read it themselves.
resource "google_bigquery_dataset_access" "authorized_view" {
  for_each   = google_bigquery_table.view
  project    = var.project_id
  dataset_id = var.base_dataset_id
  view {
    project_id = var.project_id
    dataset_id = google_bigquery_dataset.this.dataset_id
    table_id   = each.value.table_id
  }
}

resource "google_bigquery_dataset_iam_member" "reader" {
  for_each   = toset(var.readers)
  project    = var.project_id
  dataset_id = google_bigquery_dataset.this.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.key
}

output "dataset_id" { value = google_bigquery_dataset.this.dataset_id }
