module "topology" {
  source = "../topology"
}

module "storage" {
  source       = "../storage"
  project_id   = var.project_id
  region       = var.region
  environment  = var.environment
  kms_key_name = var.kms_key_name
}

module "messaging" {
  source             = "../messaging"
  project_id         = var.project_id
  project_number     = var.project_number
  topics             = module.topology.topics
  dead_letter_topics = module.topology.dead_letter_topics
  schedules          = module.topology.schedules
  region             = var.region
  lake_bucket        = module.storage.lake_bucket
  dead_letter_table  = module.warehouse.dead_letters_table
  kms_key_name       = var.kms_key_name
}

module "warehouse" {
  source                 = "../warehouse"
  project_id             = var.project_id
  region                 = var.region
  kms_key_name           = var.kms_key_name
  deletion_protection    = var.deletion_protection
  analyst_members        = var.analyst_members
  data_scientist_members = var.data_scientist_members
  administrator_members  = var.administrator_members
  market_teams           = var.market_teams
  # Every deployable's runtime account: the readers and writers of the tables, table by table.
  service_accounts = merge(
    { for name, s in module.services : name => "serviceAccount:${s.runtime_service_account}" },
    var.api_image == null ? {} : { api = "serviceAccount:${module.api[0].api_service_account}" },
  )
}

module "secrets" {
  source       = "../secrets"
  project_id   = var.project_id
  region       = var.region
  kms_key_name = var.kms_key_name
}

# One module call per topology service: its service accounts, functions, routes and IAM.
module "services" {
  source                = "../service"
  for_each              = module.topology.services
  name                  = each.key
  config                = each.value
  subscriptions         = module.topology.subscriptions
  storage_triggers      = module.topology.storage_triggers
  project_id            = var.project_id
  project_number        = var.project_number
  region                = var.region
  environment           = var.environment
  topic_ids             = module.messaging.topic_ids
  lake_bucket           = module.storage.lake_bucket
  landing_bucket        = module.storage.landing_bucket
  storage_agent         = module.storage.storage_agent
  secret_ids            = { "alert-webhook-url" = module.secrets.alert_webhook_url_secret_id }
  sources_bucket        = module.storage.sources_bucket
  dataset_id            = module.warehouse.dataset_id
  dataset_location      = module.warehouse.dataset_location
  source_object         = lookup(var.source_objects, each.key, "services/${each.key}.zip")
  max_instances_cap     = var.max_instances_cap
  min_instances_enabled = var.min_instances_enabled
  text_profile          = var.text_profile
  model_versions        = var.model_versions
}

module "monitoring" {
  source                = "../monitoring"
  project_id            = var.project_id
  environment           = var.environment
  subscriptions = concat(
    keys(module.topology.subscriptions),
    keys(module.topology.storage_triggers),
    module.messaging.dead_letter_table_subscriptions,
  )
  dead_letter_topics    = module.topology.dead_letter_topics
  functions             = flatten([for s in module.services : s.function_names])
  notification_channels = var.notification_channels
  alert_emails          = var.alert_emails
}

# CI/CD: one trigger per service, filtered on its folder and shared/, and one for the API
# image (see modules/cicd).
module "cicd" {
  source               = "../cicd"
  project_id           = var.project_id
  region               = var.region
  environment          = var.environment
  services             = { for name, s in module.services : name => s.runtime_service_account_id }
  sources_bucket       = module.storage.sources_bucket
  promote_from_project = var.promote_from_project
  approval_required    = var.approval_required
  github_owner         = var.github_owner
  github_repository    = var.github_repository
  kms_key_name         = var.kms_key_name
  cloud_run_services = {
    api           = one(module.api[*].service_name)
    stream-reader = one(module.stream_reader[*].service_name)
  }
}

# The analysts' API, once its image exists (null until CI has pushed one; CI deploys the
# images after that one).
module "api" {
  source              = "../api"
  count               = var.api_image == null ? 0 : 1
  project_id          = var.project_id
  region              = var.region
  environment         = var.environment
  dataset_id          = module.warehouse.dataset_id
  dataset_location    = module.warehouse.dataset_location
  lake_bucket         = module.storage.lake_bucket
  image               = var.api_image
  invokers            = var.api_invokers
  deployer            = module.cicd.deployer_member
  deletion_protection = var.deletion_protection
  project_number      = var.project_number
  domain              = var.api_domain
  api_roles           = var.api_roles
  iap_oauth_client    = var.iap_oauth_client
  role_members = {
    analyst        = var.analyst_members
    data_scientist = var.data_scientist_members
    administrator  = var.administrator_members
  }
}

# The live X stream reader, once its image exists (null until one is pushed).
module "stream_reader" {
  source                   = "../stream_reader"
  count                    = var.stream_reader_image == null ? 0 : 1
  project_id               = var.project_id
  region                   = var.region
  environment              = var.environment
  image                    = var.stream_reader_image
  topic_ids                = module.messaging.topic_ids
  lake_bucket              = module.storage.lake_bucket
  x_bearer_token_secret_id = module.secrets.x_bearer_token_secret_id
  deployer                 = module.cicd.deployer_member
  deletion_protection      = var.deletion_protection
}

# The data scientists' MLflow tracking server and model registry (modules/workbench), once its
# image exists; the data scientists' members alone may call it.
module "workbench" {
  source              = "../workbench"
  count               = var.workbench_image == null ? 0 : 1
  project_id          = var.project_id
  region              = var.region
  environment         = var.environment
  image               = var.workbench_image
  invokers            = var.data_scientist_members
  kms_key_name        = var.kms_key_name
  deletion_protection = var.deletion_protection
}
