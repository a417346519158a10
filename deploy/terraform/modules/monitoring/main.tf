# Alert policies for every route, dead-letter topic and function of the topology, and one
# dashboard. Alerts go to an email channel per address in alert_emails, and to channels
# created outside Terraform (Slack, PagerDuty) passed in by id.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

variable "project_id" { type = string }
variable "environment" { type = string }
variable "subscriptions" { type = list(string) }
variable "dead_letter_topics" { type = list(string) }
variable "functions" { type = list(string) }

variable "notification_channels" {
  description = "Ids of notification channels created outside Terraform."
  type        = list(string)
  default     = []
}

variable "alert_emails" {
  description = "Addresses that receive every alert (one email channel each); none by default."
  type        = list(string)
  default     = []
}

resource "google_monitoring_notification_channel" "email" {
  for_each     = toset(var.alert_emails)
  project      = var.project_id
  display_name = "trendwatch ${var.environment} alerts: ${each.key}"
  type         = "email"
  labels       = { email_address = each.key }
}

locals {
  notification_channels = concat(
    var.notification_channels,
    [for channel in google_monitoring_notification_channel.email : channel.id],
  )
}

variable "max_oldest_unacked_age_s" {
  type    = number
  default = 600
}

variable "max_window_lag_s" {
  description = "Alert when windows are recomputed this long after their newest tweet was posted."
  type        = number
  default     = 900
}

variable "max_ingest_lag_s" {
  description = "Alert when the live stream reader publishes tweets this long after they were posted."
  type        = number
  default     = 300
}

variable "max_ingest_silence_s" {
  description = "Alert when no tweet at all has been ingested for this long: the stream reader is down, or X's stream (or its rules) matches nothing."
  type        = number
  default     = 1800
}

variable "max_error_ratio" {
  type    = number
  default = 0.05
}

resource "google_monitoring_alert_policy" "backlog" {
  for_each              = toset(var.subscriptions)
  project               = var.project_id
  display_name          = "[${var.environment}] ${each.key}: backlog older than ${var.max_oldest_unacked_age_s}s"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "oldest unacked message age"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${each.key}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.max_oldest_unacked_age_s
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
}

resource "google_monitoring_alert_policy" "dead_letters" {
  for_each              = toset(var.dead_letter_topics)
  project               = var.project_id
  display_name          = "[${var.environment}] ${each.key}: messages dead-lettered"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "messages published to the dead-letter topic"
    condition_threshold {
      filter          = "resource.type = \"pubsub_topic\" AND resource.labels.topic_id = \"${each.key}\" AND metric.type = \"pubsub.googleapis.com/topic/send_message_operation_count\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }
}

resource "google_monitoring_alert_policy" "errors" {
  for_each              = toset(var.functions)
  project               = var.project_id
  display_name          = "[${var.environment}] ${each.key}: error ratio above ${var.max_error_ratio}"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "5xx responses / all responses"
    condition_threshold {
      filter             = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = \"${each.key}\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\""
      denominator_filter = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = \"${each.key}\" AND metric.type = \"run.googleapis.com/request_count\""
      comparison         = "COMPARISON_GT"
      threshold_value    = var.max_error_ratio
      duration           = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }
}

# The services' own metrics (trendwatch.observability.metrics), exported by OpenTelemetry
# under workload.googleapis.com/ on the generic_task resource (Cloud Run instances).
locals {
  custom = "workload.googleapis.com/trendwatch"
}

resource "google_monitoring_alert_policy" "window_lag" {
  project               = var.project_id
  display_name          = "[${var.environment}] trend windows lag more than ${var.max_window_lag_s}s behind"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "p95 of now - newest tweet of each window recompute"
    condition_threshold {
      filter          = "resource.type = \"generic_task\" AND metric.type = \"${local.custom}.window.lag\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.max_window_lag_s
      duration        = "600s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_PERCENTILE_95"
        cross_series_reducer = "REDUCE_MAX"
      }
    }
  }
}

resource "google_monitoring_alert_policy" "ingest_lag" {
  project               = var.project_id
  display_name          = "[${var.environment}] live tweets ingested more than ${var.max_ingest_lag_s}s after they were posted"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "p95 of now - newest tweet of each published stream chunk"
    condition_threshold {
      filter          = "resource.type = \"generic_task\" AND metric.type = \"${local.custom}.ingest.lag\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.max_ingest_lag_s
      duration        = "600s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_PERCENTILE_95"
        cross_series_reducer = "REDUCE_MAX"
      }
    }
  }
}

resource "google_monitoring_alert_policy" "ingest_silence" {
  project               = var.project_id
  display_name          = "[${var.environment}] no tweet ingested for ${var.max_ingest_silence_s}s"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "tweets published to tweets-raw, absent"
    condition_absent {
      filter   = "resource.type = \"generic_task\" AND metric.type = \"${local.custom}.tweets.ingested\""
      duration = "${var.max_ingest_silence_s}s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }
}

locals {
  # title, resource type, metric, aligner, reducer, group by
  chart = {
    backlog      = ["Oldest unacked message age (s)", "pubsub_subscription", "pubsub.googleapis.com/subscription/oldest_unacked_message_age", "ALIGN_MAX", "REDUCE_SUM", "resource.label.subscription_id"]
    dead_letters = ["Dead-lettered messages", "pubsub_topic", "pubsub.googleapis.com/topic/send_message_operation_count", "ALIGN_SUM", "REDUCE_SUM", "resource.label.topic_id"]
    requests     = ["Function requests by response class", "cloud_run_revision", "run.googleapis.com/request_count", "ALIGN_RATE", "REDUCE_SUM", "metric.label.response_code_class"]
    tweets       = ["Tweets ingested per second", "generic_task", "${local.custom}.tweets.ingested", "ALIGN_RATE", "REDUCE_SUM", "resource.label.namespace"]
    latency      = ["Publish-to-handled latency p95 by route (s): enrichment on enrich-*", "generic_task", "${local.custom}.event.latency", "ALIGN_PERCENTILE_95", "REDUCE_MAX", "metric.label.route"]
    ingest_lag   = ["Live ingest lag p95 (s)", "generic_task", "${local.custom}.ingest.lag", "ALIGN_PERCENTILE_95", "REDUCE_MAX", "resource.label.namespace"]
    window_lag   = ["Trend window lag p95 (s)", "generic_task", "${local.custom}.window.lag", "ALIGN_PERCENTILE_95", "REDUCE_MAX", "metric.label.window_size"]
    rejected     = ["Messages rejected to dead letters by source", "generic_task", "${local.custom}.dead_letters", "ALIGN_RATE", "REDUCE_SUM", "metric.label.source"]
  }
}

resource "google_monitoring_dashboard" "pipeline" {
  project = var.project_id
  dashboard_json = jsonencode({
    displayName = "trendwatch ${var.environment}"
    gridLayout = {
      columns = 2
      widgets = [for key, c in local.chart : {
        title = c[0]
        xyChart = {
          dataSets = [{
            plotType = "LINE"
            timeSeriesQuery = {
              timeSeriesFilter = {
                filter = "resource.type = \"${c[1]}\" AND metric.type = \"${c[2]}\""
                aggregation = {
                  alignmentPeriod    = "60s"
                  perSeriesAligner   = c[3]
                  crossSeriesReducer = c[4]
                  groupByFields      = [c[5]]
                }
              }
            }
          }]
        }
      }]
    }
  })
}

# The daily model-monitor job (aggregate, trendwatch.app.monitor) logs one warning per model
# version, metric and day whose drift is past its threshold; this log-based metric counts them
# and the policy alerts on any.
resource "google_logging_metric" "model_drift" {
  project     = var.project_id
  name        = "trendwatch-model-drift"
  description = "Drifts past their threshold found by the daily model-monitor job"
  filter      = "resource.type = \"cloud_run_revision\" AND severity = \"WARNING\" AND jsonPayload.message = \"model drift past threshold\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key        = "model"
      value_type = "STRING"
    }
    labels {
      key        = "metric"
      value_type = "STRING"
    }
  }
  label_extractors = {
    model  = "EXTRACT(jsonPayload.model)"
    metric = "EXTRACT(jsonPayload.metric)"
  }
}

resource "google_monitoring_alert_policy" "model_drift" {
  project               = var.project_id
  display_name          = "[${var.environment}] model drift past threshold"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "drifts logged by the model-monitor job"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.model_drift.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "3600s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.model", "metric.label.metric"]
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    content   = "A model's inputs or outputs moved past a drift threshold. See the Models page of the dashboard (the banner names the version, metric and day) and the model_drift table."
  }
}
