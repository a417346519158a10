# CI/CD of one environment: a Cloud Build trigger per service that fires only when that
# service's folder or the shared library changes, running as a deployer service account that
# can update the functions' code and nothing else.
#
# dev builds, tests and deploys the service (deploy/cloudbuild/build.yaml); staging and prod
# deploy the zip dev built once the previous environment has deployed the same commit
# (deploy/cloudbuild/promote.yaml); prod also waits for a manual approval.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}

variable "project_id" { type = string }
variable "region" { type = string }
variable "environment" { type = string }

variable "services" {
  description = "Service name => its runtime service account id (projects/.../serviceAccounts/...)."
  type        = map(string)
}

variable "sources_bucket" {
  description = "This environment's function-sources bucket."
  type        = string
}

variable "promote_from_bucket" {
  description = "The previous environment's function-sources bucket; null in dev, which builds."
  type        = string
  default     = null
}

variable "approval_required" {
  description = "A person approves each build before it runs (prod)."
  type        = bool
  default     = false
}

variable "github_owner" { type = string }
variable "github_repository" { type = string }

variable "branch" {
  type    = string
  default = "^main$"
}

locals {
  builds = var.promote_from_bucket == null
}

# The identity every build of this environment runs as.
resource "google_service_account" "deployer" {
  project      = var.project_id
  account_id   = "tw-deployer"
  display_name = "trendwatch ${var.environment} CI/CD deployer"
}

# Update functions' code (not their IAM), and write build logs.
resource "google_project_iam_member" "deployer" {
  for_each = toset(["roles/cloudfunctions.developer", "roles/logging.logWriter"])
  project  = var.project_id
  role     = each.key
  member   = google_service_account.deployer.member
}

# A function deploy keeps the function's runtime identity: the deployer must be allowed to
# act as exactly those accounts, not as any account of the project.
resource "google_service_account_iam_member" "deployer_acts_as_runtime" {
  for_each           = var.services
  service_account_id = each.value
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.deployer.member
}

resource "google_storage_bucket_iam_member" "deployer_sources" {
  for_each = toset(["roles/storage.objectCreator", "roles/storage.objectViewer"])
  bucket   = var.sources_bucket
  role     = each.key
  member   = google_service_account.deployer.member
}

# Promotion reads the zip (and the `.deployed` marker) the previous environment deployed.
resource "google_storage_bucket_iam_member" "deployer_reads_previous" {
  count  = local.builds ? 0 : 1
  bucket = var.promote_from_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.deployer.member
}

resource "google_cloudbuild_trigger" "service" {
  for_each        = var.services
  project         = var.project_id
  location        = var.region
  name            = "${each.key}-${var.environment}"
  description     = "${local.builds ? "Build, test and deploy" : "Promote"} ${each.key} in ${var.environment}"
  service_account = google_service_account.deployer.id
  filename        = local.builds ? "deploy/cloudbuild/build.yaml" : "deploy/cloudbuild/promote.yaml"

  # Only this service's files and what it is built from.
  included_files = ["services/${each.key}/**", "shared/**", "constraints.txt"]

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = var.branch
    }
  }

  substitutions = merge(
    {
      _SERVICE        = each.key
      _REGION         = var.region
      _SOURCES_BUCKET = var.sources_bucket
    },
    local.builds ? {} : { _PROMOTE_FROM = var.promote_from_bucket },
  )

  approval_config {
    approval_required = var.approval_required
  }

  depends_on = [google_project_iam_member.deployer]
}

output "deployer_service_account" { value = google_service_account.deployer.email }
output "trigger_names" { value = [for t in google_cloudbuild_trigger.service : t.name] }
