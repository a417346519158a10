# The API's front door: an external HTTPS load balancer (Google-managed certificate, TLS 1.2+)
# whose only backend is the API's Cloud Run service through a serverless NEG, with IAP on that
# backend. People reach the API only through IAP, which admits the members of the three roles'
# groups (roles/iap.httpsResourceAccessor) and signs each request it lets through; the API checks
# that signature for this backend service's audience (TRENDWATCH_IAP_AUDIENCE) and maps the
# person to a role (TRENDWATCH_API_ROLES). Cloud Run takes traffic from load balancers only
# (ingress INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER, main.tf), and IAP's agent alone invokes it.

variable "project_number" {
  description = "Numeric id of project_id (names IAP's service agent and the JWT audience)."
  type        = string
}

variable "domain" {
  description = "The API's host name (a DNS A record to the output ip_address); the managed certificate is issued for it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain))
    error_message = "Set api_domain to the API's host name (e.g. trendwatch.example.com) when api_image is set."
  }
}

variable "role_members" {
  description = "Role => IAM members (groups) of that role: each may pass IAP."
  type = object({
    analyst        = list(string)
    data_scientist = list(string)
    administrator  = list(string)
  })
}

variable "api_roles" {
  description = "E-mail address or @domain => API role (analyst, data_scientist, administrator): TRENDWATCH_API_ROLES. IAP vouches for a person's address, not for the groups, so the API maps addresses itself."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for role in values(var.api_roles) : contains(["analyst", "data_scientist", "administrator"], role)])
    error_message = "api_roles values are analyst, data_scientist or administrator."
  }
}

variable "iap_oauth_client" {
  description = "OAuth client IAP signs people in with; null uses IAP's Google-managed client (people of the organisation only)."
  type        = object({ id = string, secret = string })
  default     = null
  sensitive   = true
}

locals {
  service_name = "trendwatch-api"
  iap_agent    = "serviceAccount:service-${var.project_number}@gcp-sa-iap.iam.gserviceaccount.com"
  # The audience of IAP's signed header (x-goog-iap-jwt-assertion) for this backend.
  iap_audience = "/projects/${var.project_number}/global/backendServices/${google_compute_backend_service.api.generated_id}"
  iap_members  = toset(concat(var.role_members.analyst, var.role_members.data_scientist, var.role_members.administrator))
}

resource "google_compute_region_network_endpoint_group" "api" {
  project               = var.project_id
  region                = var.region
  name                  = "trendwatch-api"
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    # By name, not by reference: the service's environment holds this backend's audience.
    service = local.service_name
  }
}

resource "google_compute_backend_service" "api" {
  project               = var.project_id
  name                  = "trendwatch-api"
  description           = "trendwatch ${var.environment} analysts' API and dashboard, behind IAP"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"

  backend {
    group = google_compute_region_network_endpoint_group.api.id
  }

  iap {
    enabled              = true
    oauth2_client_id     = var.iap_oauth_client == null ? null : var.iap_oauth_client.id
    oauth2_client_secret = var.iap_oauth_client == null ? null : var.iap_oauth_client.secret
  }

  log_config {
    enable      = true
    sample_rate = 1
  }
}

resource "google_iap_web_backend_service_iam_member" "role_members" {
  for_each            = local.iap_members
  project             = var.project_id
  web_backend_service = google_compute_backend_service.api.name
  role                = "roles/iap.httpsResourceAccessor"
  member              = each.key
}

# IAP calls the service with its own identity once it has admitted a person.
resource "google_cloud_run_v2_service_iam_member" "iap_invokes" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  member   = local.iap_agent
}

resource "google_compute_url_map" "api" {
  project         = var.project_id
  name            = "trendwatch-api"
  default_service = google_compute_backend_service.api.id
}

resource "google_compute_managed_ssl_certificate" "api" {
  project = var.project_id
  name    = "trendwatch-api"

  managed {
    domains = [var.domain]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_ssl_policy" "api" {
  project         = var.project_id
  name            = "trendwatch-api"
  profile         = "RESTRICTED"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_target_https_proxy" "api" {
  project          = var.project_id
  name             = "trendwatch-api"
  url_map          = google_compute_url_map.api.id
  ssl_certificates = [google_compute_managed_ssl_certificate.api.id]
  ssl_policy       = google_compute_ssl_policy.api.id
}

resource "google_compute_global_address" "api" {
  project = var.project_id
  name    = "trendwatch-api"
}

# HTTPS only: nothing listens on port 80.
resource "google_compute_global_forwarding_rule" "api" {
  project               = var.project_id
  name                  = "trendwatch-api"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.api.id
  port_range            = "443"
  target                = google_compute_target_https_proxy.api.id
}

output "iap_audience" {
  description = "The IAP JWT audience of the API's backend service (the API's TRENDWATCH_IAP_AUDIENCE)."
  value       = local.iap_audience
}

output "ip_address" {
  description = "The load balancer's address: point the domain's A record here."
  value       = google_compute_global_address.api.address
}
