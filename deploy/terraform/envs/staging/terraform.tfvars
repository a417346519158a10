# Example values: replace with the real staging project.
project_id     = "trendwatch-staging"
project_number = "000000000000"
region         = "europe-west1"
