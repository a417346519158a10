# One trendwatch service: its own service accounts, one Cloud Run function (gen2) per entry
# point, the Pub/Sub push routes and storage triggers (Cloud Storage notifications pushed by
# Pub/Sub, each with a dead-letter topic) that feed it, and least-privilege
# IAM on exactly the topics, buckets and dataset it uses. No primitive roles.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

variable "project_id" { type = string }
variable "project_number" { type = string }
variable "region" { type = string }
variable "environment" { type = string }

variable "name" {
  description = "Service name (a folder of services/ and a key of the topology's services)."
  type        = string
}

variable "config" {
  description = "This service's entry of the topology module's services output."
  type = object({
    functions        = map(object({ entry_point = string }))
    subscriptions    = list(string)
    storage_triggers = list(string)
    publishes        = list(string)
    lake_access      = string
    warehouse        = bool
    min_instances    = number
    max_instances    = number
    concurrency      = number
    memory           = string
    cpu              = string
    timeout_seconds  = number
    batch_window_s   = number
    secrets          = map(string)
  })
}

variable "subscriptions" {
  description = "The topology module's subscriptions output (this module uses its own routes)."
  type = map(object({
    topic                 = string
    service               = string
    entry_point           = string
    function              = string
    filter                = string
    ack_deadline_seconds  = number
    dead_letter_topic     = string
    minimum_backoff       = string
    maximum_backoff       = string
    max_delivery_attempts = number
  }))
}

variable "storage_triggers" {
  description = "The topology module's storage_triggers output."
  type = map(object({
    prefix                = string
    service               = string
    entry_point           = string
    function              = string
    topic                 = string
    attributes            = map(string)
    ack_deadline_seconds  = number
    dead_letter_topic     = string
    minimum_backoff       = string
    maximum_backoff       = string
    max_delivery_attempts = number
  }))
}

variable "topic_ids" {
  description = "Topic name => id (messaging module output)."
  type        = map(string)
}

variable "lake_bucket" { type = string }

variable "secret_ids" {
  description = "Secret id => the secret's id as the secrets module created it (orders the grants after the secrets)."
  type        = map(string)
  default     = {}
}

variable "storage_agent" {
  description = "Cloud Storage's service agent (member), which publishes the landing bucket's notifications."
  type        = string
}
variable "landing_bucket" { type = string }
variable "sources_bucket" { type = string }
variable "dataset_id" { type = string }

variable "dataset_location" {
  description = "The dataset's location (TRENDWATCH_BQ_LOCATION): BigQuery jobs run there or do not find it."
  type        = string
}

variable "source_object" {
  description = "Zipped source of this service in the sources bucket (uploaded by CI)."
  type        = string
}

variable "max_instances_cap" {
  description = "Upper bound on max instances in this environment (dev keeps costs small)."
  type        = number
  default     = 100
}

variable "min_instances_enabled" {
  description = "false scales every function to zero (dev, staging)."
  type        = bool
  default     = true
}

variable "text_profile" {
  type    = string
  default = "accurate"
}

variable "model_versions" {
  description = "Registered model name => the version this environment runs (TRENDWATCH_MODEL_VERSIONS); empty pins none."
  type        = map(string)
  default     = {}
}

variable "log_level" {
  type    = string
  default = "INFO"
}

locals {
  triggers = { for k, t in var.storage_triggers : k => t if t.service == var.name }
  # Every way events reach this service is a push subscription with a dead-letter policy: the
  # Pub/Sub routes, wrapped (the raw Pub/Sub body), and the storage triggers, whose Cloud Storage
  # notifications are pushed unwrapped so that the body is the object resource and the
  # notification's attributes the finalize CloudEvent's headers (trendwatch.deploy.terraform).
  routes = merge(
    {
      for k, s in var.subscriptions : k => {
        topic                 = s.topic
        function              = s.function
        filter                = s.filter
        ack_deadline_seconds  = s.ack_deadline_seconds
        dead_letter_topic     = s.dead_letter_topic
        minimum_backoff       = s.minimum_backoff
        maximum_backoff       = s.maximum_backoff
        max_delivery_attempts = s.max_delivery_attempts
        unwrapped             = false
      } if s.service == var.name
    },
    {
      for k, t in local.triggers : k => {
        topic                 = t.topic
        function              = t.function
        filter                = ""
        ack_deadline_seconds  = t.ack_deadline_seconds
        dead_letter_topic     = t.dead_letter_topic
        minimum_backoff       = t.minimum_backoff
        maximum_backoff       = t.maximum_backoff
        max_delivery_attempts = t.max_delivery_attempts
        unwrapped             = true
      }
    },
  )
  environment = {
    TRENDWATCH_ENVIRONMENT    = var.environment
    TRENDWATCH_BACKEND        = "gcp"
    TRENDWATCH_PROJECT        = var.project_id
    TRENDWATCH_LAKE_BUCKET    = var.lake_bucket
    TRENDWATCH_LANDING_BUCKET = var.landing_bucket
    TRENDWATCH_DATASET        = var.dataset_id
    TRENDWATCH_BQ_LOCATION    = var.dataset_location
    TRENDWATCH_TEXT_PROFILE   = var.text_profile
    TRENDWATCH_MODEL_VERSIONS = jsonencode(var.model_versions)
    TRENDWATCH_LOG_LEVEL      = var.log_level
    TRENDWATCH_BATCH_WINDOW_S = tostring(var.config.batch_window_s)
    # The functions framework serves THREADS requests at once (default: 4 per CPU), whatever
    # Cloud Run's concurrency lets in: without it the others wait in the instance's queue.
    THREADS = tostring(var.config.concurrency)
  }
  lake_roles = {
    none         = []
    read         = ["roles/storage.objectViewer"]
    write        = ["roles/storage.objectCreator"]
    "read-write" = ["roles/storage.objectViewer", "roles/storage.objectCreator"]
  }[var.config.lake_access]
  pubsub_agent = "serviceAccount:service-${var.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# Identity the functions run as.
resource "google_service_account" "runtime" {
  project      = var.project_id
  account_id   = "tw-${var.name}"
  display_name = "trendwatch ${var.name} runtime"
}

# Identity that delivers events to the functions (Pub/Sub push): invoker only.
resource "google_service_account" "delivery" {
  project      = var.project_id
  account_id   = "tw-${var.name}-delivery"
  display_name = "trendwatch ${var.name} event delivery"
}

resource "google_cloudfunctions2_function" "this" {
  for_each = var.config.functions
  project  = var.project_id
  location = var.region
  name     = each.key
  labels   = { app = "trendwatch", service = var.name, environment = var.environment }

  build_config {
    runtime     = "python311"
    entry_point = each.value.entry_point
    source {
      storage_source {
        bucket = var.sources_bucket
        object = var.source_object
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.runtime.email
    min_instance_count               = var.min_instances_enabled ? var.config.min_instances : 0
    max_instance_count               = min(var.config.max_instances, var.max_instances_cap)
    max_instance_request_concurrency = var.config.concurrency
    available_memory                 = var.config.memory
    available_cpu                    = var.config.cpu
    timeout_seconds                  = var.config.timeout_seconds
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    environment_variables            = local.environment

    # Settings kept in Secret Manager (the alert webhook's URL): read when an instance starts,
    # never in Terraform's state, the function's configuration or its logs.
    dynamic "secret_environment_variables" {
      for_each = var.config.secrets
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = var.secret_ids[secret_environment_variables.value]
        version    = "latest"
      }
    }
  }

  # Terraform owns the configuration; the CI/CD pipeline (deploy/cloudbuild) owns the code
  # version. source_object is only the first deployment's source.
  lifecycle {
    ignore_changes = [build_config[0].source]
  }
}

resource "google_cloud_run_service_iam_member" "delivery_invokes" {
  for_each = google_cloudfunctions2_function.this
  project  = var.project_id
  location = var.region
  service  = each.value.service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.delivery.member
}

# Pub/Sub mints the OIDC token of the push identity.
resource "google_service_account_iam_member" "agent_signs_as_delivery" {
  service_account_id = google_service_account.delivery.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

# Storage triggers: Cloud Storage notifies each trigger's prefix of the landing bucket on the
# trigger's own topic (not Eventarc, whose managed subscription cannot dead-letter: a poisoned
# file would be retried for a day, then dropped). The notification carries the attributes that
# make its unwrapped push the finalize CloudEvent (ce-source names the bucket).
resource "google_storage_notification" "trigger" {
  for_each           = local.triggers
  bucket             = var.landing_bucket
  topic              = var.topic_ids[each.value.topic]
  payload_format     = "JSON_API_V1"
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = each.value.prefix
  custom_attributes = merge(each.value.attributes, {
    "ce-source" = "//storage.googleapis.com/projects/_/buckets/${var.landing_bucket}"
  })

  depends_on = [google_pubsub_topic_iam_member.storage_agent_notifies]
}

# Cloud Storage's agent publishes the notifications: to this service's trigger topics alone.
resource "google_pubsub_topic_iam_member" "storage_agent_notifies" {
  for_each = local.triggers
  project  = var.project_id
  topic    = var.topic_ids[each.value.topic]
  role     = "roles/pubsub.publisher"
  member   = var.storage_agent
}

resource "google_pubsub_subscription" "route" {
  for_each                   = local.routes
  project                    = var.project_id
  name                       = each.key
  topic                      = var.topic_ids[each.value.topic]
  filter                     = each.value.filter
  ack_deadline_seconds       = each.value.ack_deadline_seconds
  message_retention_duration = "604800s"
  labels                     = { app = "trendwatch", service = var.name }

  push_config {
    push_endpoint = google_cloudfunctions2_function.this[each.value.function].service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.delivery.email
    }
    dynamic "no_wrapper" {
      for_each = each.value.unwrapped ? [true] : []
      content {
        write_metadata = true
      }
    }
  }

  retry_policy {
    minimum_backoff = each.value.minimum_backoff
    maximum_backoff = each.value.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = var.topic_ids[each.value.dead_letter_topic]
    max_delivery_attempts = each.value.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }
}

# Pub/Sub acks a message it moves to the dead-letter topic on the route's behalf.
resource "google_pubsub_subscription_iam_member" "agent_forwards_dead_letters" {
  for_each     = google_pubsub_subscription.route
  project      = var.project_id
  subscription = each.value.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_secret_manager_secret_iam_member" "runtime_reads_secrets" {
  for_each  = toset(values(var.config.secrets))
  project   = var.project_id
  secret_id = var.secret_ids[each.key]
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.runtime.member
}

resource "google_pubsub_topic_iam_member" "runtime_publishes" {
  for_each = toset(var.config.publishes)
  project  = var.project_id
  topic    = var.topic_ids[each.key]
  role     = "roles/pubsub.publisher"
  member   = google_service_account.runtime.member
}

resource "google_storage_bucket_iam_member" "runtime_lake" {
  for_each = toset(local.lake_roles)
  bucket   = var.lake_bucket
  role     = each.key
  member   = google_service_account.runtime.member
}

resource "google_storage_bucket_iam_member" "runtime_reads_landing" {
  count  = length(local.triggers) > 0 ? 1 : 0
  bucket = var.landing_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.runtime.member
}

# Table rights (read the shared tables, write its own) are the warehouse module's, which knows
# the tables: see modules/warehouse/access.tf.

resource "google_project_iam_member" "runtime_project" {
  for_each = toset(concat(
    ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/cloudtrace.agent"],
    # Query jobs, and read sessions of the Storage Read API (large results): what they may read
    # is the tables' grants alone (modules/warehouse/access.tf).
    var.config.warehouse ? ["roles/bigquery.jobUser", "roles/bigquery.readSessionUser"] : [],
  ))
  project = var.project_id
  role    = each.key
  member  = google_service_account.runtime.member
}

output "runtime_service_account" { value = google_service_account.runtime.email }
output "runtime_service_account_id" { value = google_service_account.runtime.name }
output "function_names" { value = keys(google_cloudfunctions2_function.this) }
output "subscription_names" { value = keys(google_pubsub_subscription.route) }
