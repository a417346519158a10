# The dev environment: its own project, state bucket (backend.tf) and sizing.
module "platform" {
  source      = "../../modules/platform"
  environment = "dev"

  project_id     = var.project_id
  project_number = var.project_number
  region         = var.region
  kms_key_name   = var.kms_key_name
  source_objects = var.source_objects

  max_instances_cap     = 3
  min_instances_enabled = false
  text_profile          = "fast"

  api_image    = var.api_image
  api_invokers = var.api_invokers

  stream_reader_image = var.stream_reader_image

  # Who may read the analyst views (Looker Studio, notebooks) in this environment.
  analyst_members = var.analyst_members

  # Who is emailed the alerts of this environment (modules/monitoring).
  alert_emails = var.alert_emails
}
