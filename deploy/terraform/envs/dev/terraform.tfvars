# Example values: replace with the real dev project.
project_id     = "trendwatch-dev"
project_number = "000000000000"
region         = "europe-west1"

# Readers of the analyst views, e.g. ["group:trend-analysts@example.com"]; none by default.
analyst_members = []

# Who is emailed every alert, e.g. ["oncall-trendwatch@example.com"]; none by default.
alert_emails = []
