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

locals {
  pubsub_agent = "serviceAccount:service-${var.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "business" {
  for_each                   = var.topics
  project                    = var.project_id
  name                       = each.key
  kms_key_name               = var.kms_key_name
  message_retention_duration = var.message_retention
  labels                     = { app = "trendwatch" }
}

resource "google_pubsub_topic" "dead_letter" {
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

output "topic_ids" {
  description = "Topic name => id, business and dead-letter topics alike."
  value = merge(
    { for k, t in google_pubsub_topic.business : k => t.id },
    { for k, t in google_pubsub_topic.dead_letter : k => t.id },
  )
}
