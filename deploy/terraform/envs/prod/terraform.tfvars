# Example values: replace with the real prod project.
project_id     = "trendwatch-prod"
project_number = "000000000000"
region         = "europe-west1"
