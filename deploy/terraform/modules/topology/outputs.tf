# Read-only view of topology.auto.tf.json (generated: python -m trendwatch.deploy.terraform).

output "topics" {
  description = "Business topic name => description."
  value       = local.topics
}

output "dead_letter_topics" {
  description = "Every dead-letter topic (routes, storage triggers, validating producers)."
  value       = local.dead_letter_topics
}

output "subscriptions" {
  description = "Pub/Sub route name => topic, service, function, filter, retry and dead-letter topic."
  value       = local.subscriptions
}

output "storage_triggers" {
  description = "Storage trigger name => prefix, service, function, retry and dead-letter topic."
  value       = local.storage_triggers
}

output "services" {
  description = "Service name => functions (entry points), routes, published topics and sizing."
  value       = local.services
}

output "schedules" {
  description = "Cloud Scheduler job name => job, cron (UTC), description and the topic its ticks go to."
  value       = local.schedules
}
