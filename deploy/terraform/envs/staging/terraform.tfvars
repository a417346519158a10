# Example values: replace with the real staging project.
project_id     = "trendwatch-staging"
project_number = "000000000000"
region         = "europe-west1"

# The environment this one promotes from.
promote_from_project = "trendwatch-dev"

# Readers of the analyst views, e.g. ["group:trend-analysts@example.com"]; none by default.
analyst_members = []

# Readers of the data scientists' views and of the base dataset, e.g.
# ["group:trend-data-scientists@example.com"]; none by default.
data_scientist_members = []
administrator_members  = []

# The API's host name and who it answers in which role, e.g.
# api_domain = "trendwatch-staging.example.com"
# api_roles  = { "@example.com" = "analyst", "lead@example.com" = "administrator" }

# Who is emailed every alert, e.g. ["oncall-trendwatch@example.com"]; none by default.
alert_emails = []

# The model versions this environment runs (`trendwatch models` lists them, model_version): pin
# the challengers here to try them before production, e.g.
# model_versions = {
#   "trendwatch-forecast-social"   = "lgbm-log-<12 hex>"
#   "trendwatch-forecast-baseline" = "AutoETS-additive-<12 hex>"
# }
model_versions = {}
