# Example values: replace with the real dev project.
project_id     = "trendwatch-dev"
project_number = "000000000000"
region         = "europe-west1"
