# Example values: replace with the real prod project.
project_id     = "trendwatch-prod"
project_number = "000000000000"
region         = "europe-west1"

# The environment this one promotes from.
promote_from_project = "trendwatch-staging"

# Readers of the analyst views, e.g. ["group:trend-analysts@example.com"]; none by default.
analyst_members = []

# Readers of the data scientists' views and of the base dataset, e.g.
# ["group:trend-data-scientists@example.com"]; none by default.
data_scientist_members = []
administrator_members  = []

# The API's host name and who it answers in which role, e.g.
# api_domain = "trendwatch-prod.example.com"
# api_roles  = { "@example.com" = "analyst", "lead@example.com" = "administrator" }

# Who is emailed every alert, e.g. ["oncall-trendwatch@example.com"]; none by default.
alert_emails = []

# The model versions this environment runs (`trendwatch models` lists them, model_version): the
# champions once promoted (`trendwatch models promote`), e.g.
# model_versions = {
#   "trendwatch-forecast-social"   = "lgbm-surge-conformal-<12 hex>"
#   "trendwatch-forecast-baseline" = "AutoETS-additive-<12 hex>"
# }
model_versions = {}
