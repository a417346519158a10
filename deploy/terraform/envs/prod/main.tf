# The prod environment: its own project, state bucket (backend.tf) and sizing.
module "platform" {
  source      = "../../modules/platform"
  environment = "prod"

  project_id     = var.project_id
  project_number = var.project_number
  region         = var.region
  kms_key_name   = var.kms_key_name
  source_objects = var.source_objects

  max_instances_cap     = 100
  min_instances_enabled = true
  text_profile          = "accurate"
  # The model versions this environment runs (terraform.tfvars; `trendwatch models` lists them).
  model_versions = var.model_versions
  # The data scientists' MLflow tracking server (null: none yet).
  workbench_image = var.workbench_image

  # The analysts' API behind an HTTPS load balancer with IAP (modules/api/frontdoor.tf).
  api_image        = var.api_image
  api_invokers     = var.api_invokers
  api_domain       = var.api_domain
  api_roles        = var.api_roles
  iap_oauth_client = var.iap_oauth_client

  stream_reader_image = var.stream_reader_image

  # Who may read the analyst views (Looker Studio, notebooks) in this environment, the data
  # scientists' views and the base dataset; each role's members may also pass the API's IAP.
  analyst_members        = var.analyst_members
  data_scientist_members = var.data_scientist_members
  administrator_members  = var.administrator_members

  # Teams that see only their markets' rows (BigQuery row access policies); none by default.
  market_teams = var.market_teams

  # Who is emailed the alerts of this environment (modules/monitoring).
  alert_emails = var.alert_emails

  # Deploys what staging deployed (the same zip), once staging has deployed it.
  promote_from_project = var.promote_from_project
  approval_required    = true
}
