# Example values: replace with the real dev project.
project_id     = "trendwatch-dev"
project_number = "000000000000"
region         = "europe-west1"

# Readers of the analyst views, e.g. ["group:trend-analysts@example.com"]; none by default.
analyst_members = []

# Readers of the data scientists' views and of the base dataset, e.g.
# ["group:trend-data-scientists@example.com"]; none by default.
data_scientist_members = []
administrator_members  = []

# The API's host name and who it answers in which role, e.g.
# api_domain = "trendwatch-dev.example.com"
# api_roles  = { "@example.com" = "analyst", "lead@example.com" = "administrator" }

# Who is emailed every alert, e.g. ["oncall-trendwatch@example.com"]; none by default.
alert_emails = []

# The model versions this environment runs (`trendwatch models` lists them, model_version):
# none pinned, dev runs what it builds.
model_versions = {}
