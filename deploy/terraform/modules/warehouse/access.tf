# Who may read and write what in the warehouse (trendwatch.deploy.warehouse_access decides the
# columns, markets and writers; tables.auto.tf.json and views.auto.tf.json carry them here):
#
# - analysts:        the analyst dataset's views: every table but the private ones, without
#                    personal columns, and the analysis views that name none;
# - data scientists: the data scientists' dataset: every table but the private ones and every
#                    analysis view, personal columns included;
# - administrators:  the base dataset (dead letters included), personal columns included;
# - each service:    reads every table but the private ones, writes (dataEditor) the tables it
#                    writes alone; personal columns only where it writes them;
# - teams limited to their markets (market_teams) see only their locations' rows of the tables
#   that have a market column, through any view.

variable "service_accounts" {
  description = "Deployable name (a topology service, or api) => its runtime account (member): the readers and writers of the tables."
  type        = map(string)
  default     = {}
}

variable "market_teams" {
  description = "Team key (letters, digits, _) => members limited to the rows of their locations (location_id) in the tables that have one; empty limits nobody."
  type = map(object({
    members   = list(string)
    locations = list(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.market_teams) : can(regex("^[a-z0-9_]+$", k))])
    error_message = "market_teams keys name row access policies: lower-case letters, digits and _ only."
  }
}

locals {
  # Accounts that handle personal columns: the writers of tables that have some (aggregate keeps
  # users and influencers), and the API, which answers data scientists and administrators (it
  # withholds personal fields from analysts itself).
  personal_handlers = toset(concat(
    flatten([for t in local.tables : t.writers if length(t.personal_columns) > 0]),
    ["api"],
  ))
  table_writers = {
    for pair in flatten([
      for table, t in local.tables : [for writer in t.writers : { table = table, writer = writer }]
    ]) : "${pair.table}/${pair.writer}" => pair if contains(keys(var.service_accounts), pair.writer)
  }
  table_readers = {
    for pair in setproduct([for k, t in local.tables : k if t.analyst_view], keys(var.service_accounts)) :
    "${pair[0]}/${pair[1]}" => { table = pair[0], reader = pair[1] }
  }
  market_tables = { for k, t in local.tables : k => t.market_column if t.market_column != null }
  market_policies = {
    for pair in setproduct(keys(local.market_tables), keys(var.market_teams)) :
    "${pair[0]}/${pair[1]}" => { table = pair[0], team = pair[1] }
  }
}

# -- Column-level security: the "personal" policy tag ---------------------------------------------

resource "google_data_catalog_taxonomy" "access" {
  project                = var.project_id
  region                 = var.region
  display_name           = "trendwatch ${var.dataset_id} access"
  description            = "Column-level security of the trendwatch warehouse."
  activated_policy_types = ["FINE_GRAINED_ACCESS_CONTROL"]
}

resource "google_data_catalog_policy_tag" "personal" {
  taxonomy     = google_data_catalog_taxonomy.access.id
  display_name = "personal"
  description  = "People's names, profile text and location: data scientists and administrators only."
}

resource "google_data_catalog_policy_tag_iam_member" "people_read_personal" {
  for_each   = toset(concat(var.data_scientist_members, var.administrator_members))
  policy_tag = google_data_catalog_policy_tag.personal.name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = each.key
}

resource "google_data_catalog_policy_tag_iam_member" "accounts_read_personal" {
  for_each   = { for name, member in var.service_accounts : name => member if contains(local.personal_handlers, name) }
  policy_tag = google_data_catalog_policy_tag.personal.name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = each.value
}

# -- Services: read the shared tables, write their own ---------------------------------------------

resource "google_bigquery_table_iam_member" "service_reads" {
  for_each   = local.table_readers
  project    = var.project_id
  dataset_id = google_bigquery_dataset.main.dataset_id
  table_id   = google_bigquery_table.this[each.value.table].table_id
  role       = "roles/bigquery.dataViewer"
  member     = var.service_accounts[each.value.reader]
}

resource "google_bigquery_table_iam_member" "service_writes" {
  for_each   = local.table_writers
  project    = var.project_id
  dataset_id = google_bigquery_dataset.main.dataset_id
  table_id   = google_bigquery_table.this[each.value.table].table_id
  role       = "roles/bigquery.dataEditor"
  member     = var.service_accounts[each.value.writer]
}

# -- Data scientists: every shared table and analysis view, personal columns included ---------------

module "data_scientist_views" {
  source     = "../role_views"
  depends_on = [google_kms_crypto_key_iam_member.agent_uses_key, google_bigquery_table.this]

  project_id          = var.project_id
  region              = var.region
  dataset_id          = "${var.dataset_id}_data_scientist"
  base_dataset_id     = google_bigquery_dataset.main.dataset_id
  kms_key_name        = var.kms_key_name
  deletion_protection = var.deletion_protection
  readers             = var.data_scientist_members
  views = merge(
    {
      for k, t in local.tables : k => {
        description = t.description
        query       = "SELECT ${join(", ", [for c in t.columns : "`${c}`"])} FROM `${var.project_id}.${google_bigquery_dataset.main.dataset_id}.${k}`"
      } if t.analyst_view
    },
    { for k, v in local.views : k => { description = v.description, query = v.query } },
  )
}

# -- Administrators: every table of the base dataset ----------------------------------------------

# Table by table, not on the dataset: dataset-level IAM would rewrite the dataset's access list,
# where the authorized views live (google_bigquery_dataset_access).
resource "google_bigquery_table_iam_member" "administrators_read_tables" {
  for_each = {
    for pair in setproduct(keys(local.tables), var.administrator_members) :
    "${pair[0]}/${pair[1]}" => { table = pair[0], member = pair[1] }
  }
  project    = var.project_id
  dataset_id = google_bigquery_dataset.main.dataset_id
  table_id   = google_bigquery_table.this[each.value.table].table_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value.member
}

# Data scientists and administrators run queries too (analysts: main.tf).
resource "google_project_iam_member" "people_run_queries" {
  for_each = toset(concat(var.data_scientist_members, var.administrator_members))
  project  = var.project_id
  role     = "roles/bigquery.jobUser"
  member   = each.key
}

# -- Row-level security: teams limited to their markets ---------------------------------------------

# Once a table has a row access policy, whoever no policy names reads none of its rows: every
# account and person who needs all of them is named by all_rows (the writers' MERGEs read the
# rows they update, and would otherwise insert them again).
resource "google_bigquery_row_access_policy" "all_rows" {
  for_each         = length(var.market_teams) == 0 ? {} : local.market_tables
  project          = var.project_id
  dataset_id       = google_bigquery_dataset.main.dataset_id
  table_id         = google_bigquery_table.this[each.key].table_id
  policy_id        = "all_rows"
  filter_predicate = "TRUE"
  grantees = concat(
    var.administrator_members,
    var.data_scientist_members,
    values(var.service_accounts),
  )
}

resource "google_bigquery_row_access_policy" "team_markets" {
  for_each         = local.market_policies
  project          = var.project_id
  dataset_id       = google_bigquery_dataset.main.dataset_id
  table_id         = google_bigquery_table.this[each.value.table].table_id
  policy_id        = "team_${each.value.team}"
  filter_predicate = "${local.market_tables[each.value.table]} IN (${join(", ", [for l in var.market_teams[each.value.team].locations : "'${replace(l, "'", "\\'")}'"])})"
  grantees         = var.market_teams[each.value.team].members
}

output "personal_policy_tag" {
  description = "The policy tag of personal columns (column-level security)."
  value       = google_data_catalog_policy_tag.personal.name
}
