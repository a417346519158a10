terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }

  # One state bucket per environment, in that environment's project, created once by
  # deploy/terraform/bootstrap (versioned, uniform access, public access prevented) before
  # the first `terraform init`.
  backend "gcs" {
    bucket = "trendwatch-prod-tfstate"
    prefix = "trendwatch/prod"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
