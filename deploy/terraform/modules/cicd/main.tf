# CI/CD of one environment: a Cloud Build trigger per service that fires only when that
# service's folder or the shared library changes, and one per container image (the analysts'
# API, the X stream reader), running as a deployer service account that can update the
# functions' code and those services' images and nothing else.
#
# dev builds, tests and deploys the service (deploy/cloudbuild/build.yaml); staging and prod
# deploy the zip dev built once the previous environment has deployed the same commit
# (deploy/cloudbuild/promote.yaml); prod also waits for a manual approval. The images go the
# same way (image-build.yaml, image-promote.yaml), through each environment's Artifact
# Registry repository.

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

variable "promote_from_project" {
  description = "The previous environment's project; null in dev, which builds."
  type        = string
  default     = null
}

variable "cloud_run_services" {
  description = "Image (deploy/<image>/Dockerfile) => its Cloud Run service, null while the environment has none (its images are pushed, not deployed)."
  type        = map(string)
  validation {
    condition     = toset(keys(var.cloud_run_services)) == toset(["api", "stream-reader"])
    error_message = "One entry per image of deploy/: api and stream-reader."
  }
}

variable "kms_key_name" {
  description = "Customer-managed key of the image repository; null = Google-managed."
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
  builds = var.promote_from_project == null
  # Named after their project, in every environment (modules/storage, the repository below).
  promote_from_bucket     = local.builds ? null : "${var.promote_from_project}-function-sources"
  repository_id           = "trendwatch"
  repository              = "${var.region}-docker.pkg.dev/${var.project_id}/${local.repository_id}"
  promote_from_repository = local.builds ? null : "${var.region}-docker.pkg.dev/${var.promote_from_project}/${local.repository_id}"
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
  bucket = local.promote_from_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.deployer.member
}

# The analysts' API image (deploy/api/Dockerfile), one tag per commit.
resource "google_artifact_registry_repository" "images" {
  project       = var.project_id
  location      = var.region
  repository_id = local.repository_id
  format        = "DOCKER"
  description   = "trendwatch ${var.environment} container images (the analysts' API)"
  kms_key_name  = var.kms_key_name
  labels        = { app = "trendwatch" }

  docker_config {
    immutable_tags = true # a commit's tag names one image, as a commit's zip is one object
  }
}

resource "google_artifact_registry_repository_iam_member" "deployer_pushes" {
  project    = var.project_id
  location   = var.region
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.deployer.member
}

# Promotion pulls the image the previous environment deployed.
resource "google_artifact_registry_repository_iam_member" "deployer_pulls_previous" {
  count      = local.builds ? 0 : 1
  project    = var.promote_from_project
  location   = var.region
  repository = local.repository_id
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.deployer.member
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
    local.builds ? {} : { _PROMOTE_FROM = local.promote_from_bucket },
  )

  approval_config {
    approval_required = var.approval_required
  }

  depends_on = [google_project_iam_member.deployer]
}

# Each image, on a push that changes what it is built from. Markers of deployed commits go to
# the sources bucket (<image>/<commit>.deployed), as the services' do.
# The API's trigger was a resource of its own before the reader's image had one.
moved {
  from = google_cloudbuild_trigger.api
  to   = google_cloudbuild_trigger.image["api"]
}

resource "google_cloudbuild_trigger" "image" {
  for_each        = var.cloud_run_services
  project         = var.project_id
  location        = var.region
  name            = "${each.key}-${var.environment}"
  description     = "${local.builds ? "Build, test, push and deploy" : "Promote"} the ${each.key} image in ${var.environment}"
  service_account = google_service_account.deployer.id
  filename        = local.builds ? "deploy/cloudbuild/image-build.yaml" : "deploy/cloudbuild/image-promote.yaml"

  # The image holds the library and its constraints, built by deploy/<image>/.
  included_files = ["deploy/${each.key}/**", "shared/**", "constraints.txt"]

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = var.branch
    }
  }

  substitutions = merge(
    {
      _IMAGE             = each.key
      _REGION            = var.region
      _REPOSITORY        = local.repository
      _CLOUD_RUN_SERVICE = each.value == null ? "" : each.value
      _SOURCES_BUCKET    = var.sources_bucket
    },
    local.builds ? {} : {
      _PROMOTE_FROM            = local.promote_from_bucket
      _PROMOTE_FROM_REPOSITORY = local.promote_from_repository
    },
  )

  approval_config {
    approval_required = var.approval_required
  }

  depends_on = [google_project_iam_member.deployer]
}

output "deployer_service_account" { value = google_service_account.deployer.email }
output "deployer_member" { value = google_service_account.deployer.member }
output "trigger_names" {
  value = concat([for t in google_cloudbuild_trigger.service : t.name], [for t in google_cloudbuild_trigger.image : t.name])
}
