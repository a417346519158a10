# Example values: replace with the real staging project.
project_id     = "trendwatch-staging"
project_number = "000000000000"
region         = "europe-west1"

# The environment this one promotes from.
promote_from_project = "trendwatch-dev"

# Readers of the analyst views, e.g. ["group:trend-analysts@example.com"]; none by default.
analyst_members = []

# Who is emailed every alert, e.g. ["oncall-trendwatch@example.com"]; none by default.
alert_emails = []
