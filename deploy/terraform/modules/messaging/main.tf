terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

variable "project_id" { type = string }
variable "project_number" { type = string }

variable "topics" {
  description = "Business topic name => description (topology module output)."
  type        = map(string)
}

variable "dead_letter_topics" {
  type = list(string)
}

variable "lake_bucket" {
  description = "Every dead letter is archived under deadletter/<topic>/ of this bucket."
  type        = string
}

variable "kms_key_name" {
  type    = string
  default = null
}

variable "region" {
  description = "Where the Cloud Scheduler jobs run."
  type        = string
}

variable "schedules" {
  description = "Scheduled job name => job, cron, description and topic (topology module output)."
  type = map(object({
    job         = string
    cron        = string
    description = string
    topic       = string
  }))
}

variable "message_retention" {
  type    = string
  default = "604800s"
}

variable "dead_letter_table" {
  description = "Dataset and table id of the dead_letters table (warehouse module)."
  type        = object({ dataset_id = string, table_id = string })
}

locals {
  pubsub_agent = "serviceAccount:service-${var.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# With a customer-managed key, Pub/Sub's service agent encrypts and decrypts the messages: it may
# use that key and no other, from before the topics are created. (The google provider has no
# data source for this agent's email, only google-beta; its name is documented and fixed.)
resource "google_kms_crypto_key_iam_member" "agent_uses_key" {
  count         = var.kms_key_name == null ? 0 : 1
  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = local.pubsub_agent
}

resource "google_pubsub_topic" "business" {
  depends_on                 = [google_kms_crypto_key_iam_member.agent_uses_key]
  for_each                   = var.topics
  project                    = var.project_id
  name                       = each.key
  kms_key_name               = var.kms_key_name
  message_retention_duration = var.message_retention
  labels                     = { app = "trendwatch" }
}

resource "google_pubsub_topic" "dead_letter" {
  depends_on                 = [google_kms_crypto_key_iam_member.agent_uses_key]
  for_each                   = toset(var.dead_letter_topics)
  project                    = var.project_id
  name                       = each.key
  kms_key_name               = var.kms_key_name
  message_retention_duration = var.message_retention
  labels                     = { app = "trendwatch", dead_letter = "true" }
}

# Pub/Sub forwards undeliverable messages itself: its service agent publishes to the
# dead-letter topics (it also needs subscriber on each source route, granted with the route).
resource "google_pubsub_topic_iam_member" "agent_publishes_dead_letters" {
  for_each = google_pubsub_topic.dead_letter
  project  = var.project_id
  topic    = each.value.name
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_agent
}

# A topic without a subscription drops messages: every dead-letter topic is archived to the
# lake (Cloud Storage subscription), where the dead-letter sink and analysts find it.
resource "google_pubsub_subscription" "dead_letter_archive" {
  for_each                   = google_pubsub_topic.dead_letter
  project                    = var.project_id
  name                       = "${each.key}-archive"
  topic                      = each.value.id
  ack_deadline_seconds       = 300
  message_retention_duration = var.message_retention

  cloud_storage_config {
    bucket          = var.lake_bucket
    filename_prefix = "deadletter/${each.key}/"
    filename_suffix = ".json"
    max_duration    = "300s"
    max_bytes       = 10000000
  }

  depends_on = [google_storage_bucket_iam_member.agent_archives]
}

resource "google_storage_bucket_iam_member" "agent_archives" {
  for_each = toset(["roles/storage.objectCreator", "roles/storage.legacyBucketReader"])
  bucket   = var.lake_bucket
  role     = each.key
  member   = local.pubsub_agent
}

# ...and recorded in the dead_letters table, where `trendwatch deadletters` reads them: a
# BigQuery subscription per dead-letter topic whose transform turns each message into a row
# of the table's own schema (the local sink writes the same rows).
resource "google_pubsub_subscription" "dead_letter_table" {
  for_each                   = google_pubsub_topic.dead_letter
  project                    = var.project_id
  name                       = "${each.key}-bigquery"
  topic                      = each.value.id
  message_retention_duration = var.message_retention

  bigquery_config {
    table            = "${var.project_id}.${var.dead_letter_table.dataset_id}.${var.dead_letter_table.table_id}"
    use_table_schema = true
  }

  message_transforms {
    javascript_udf {
      function_name = "deadLetterRow"
      code          = "var TOPIC = ${jsonencode(each.key)};\n${file("${path.module}/dead_letter_row.js")}"
    }
  }

  depends_on = [google_bigquery_table_iam_member.agent_writes_dead_letters]
}

# What a BigQuery subscription needs on its table, and nothing else (no read of the rows,
# no other table): roles/bigquery.dataEditor would also let the agent read and delete them.
resource "google_project_iam_custom_role" "dead_letter_writer" {
  project     = var.project_id
  role_id     = "trendwatchDeadLetterWriter"
  title       = "trendwatch dead-letter table writer"
  description = "Read the dead_letters table's schema and append rows to it (Pub/Sub BigQuery subscriptions)."
  permissions = ["bigquery.tables.get", "bigquery.tables.updateData"]
}

resource "google_bigquery_table_iam_member" "agent_writes_dead_letters" {
  project    = var.project_id
  dataset_id = var.dead_letter_table.dataset_id
  table_id   = var.dead_letter_table.table_id
  role       = google_project_iam_custom_role.dead_letter_writer.id
  member     = local.pubsub_agent
}

# Whole-warehouse jobs (trend alerts, influence) run on a timer: Cloud Scheduler publishes
# {"job": ...} to the scheduled-jobs topic, which the aggregate service consumes. Scheduler's
# own service agent publishes, and only to the topics of the schedules.
resource "google_cloud_scheduler_job" "tick" {
  for_each    = var.schedules
  project     = var.project_id
  region      = var.region
  name        = each.key
  description = each.value.description
  schedule    = each.value.cron
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.business[each.value.topic].id
    data       = base64encode(jsonencode({ job = each.value.job }))
    attributes = { job = each.value.job }
  }
}

resource "google_pubsub_topic_iam_member" "scheduler_publishes_ticks" {
  for_each = toset([for s in var.schedules : s.topic])
  project  = var.project_id
  topic    = google_pubsub_topic.business[each.key].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:service-${var.project_number}@gcp-sa-cloudscheduler.iam.gserviceaccount.com"
}

output "dead_letter_table_subscriptions" {
  description = "The BigQuery subscriptions filling the dead_letters table (their backlog is alerted on)."
  value       = [for s in google_pubsub_subscription.dead_letter_table : s.name]
}

output "topic_ids" {
  description = "Topic name => id, business and dead-letter topics alike."
  value = merge(
    { for k, t in google_pubsub_topic.business : k => t.id },
    { for k, t in google_pubsub_topic.dead_letter : k => t.id },
  )
}
