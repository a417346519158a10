# Everything one environment is made of; each root in envs/ calls this module once with its
# own project and sizing, so the environments cannot drift apart.

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "project_id" {
  description = "The environment's own GCP project (one project per environment)."
  type        = string
}

variable "project_number" {
  description = "Numeric id of project_id (names the Google service agents)."
  type        = string
}

variable "region" {
  type = string
}

variable "kms_key_name" {
  description = "Customer-managed key for buckets, topics, tables and the secret; null = Google-managed."
  type        = string
  default     = null
}

variable "source_objects" {
  description = "Service name => zipped source object in the sources bucket (set by CI per build)."
  type        = map(string)
  default     = {}
}

variable "analyst_members" {
  description = "Members who read the analyst views (no personal columns)."
  type        = list(string)
  default     = []
}

variable "data_scientist_members" {
  description = "Members who read the data scientists' views, personal columns included."
  type        = list(string)
  default     = []
}

variable "administrator_members" {
  description = "Members who read the base dataset, dead letters and personal columns included."
  type        = list(string)
  default     = []
}

variable "market_teams" {
  description = "Team key => members limited to their locations' rows (BigQuery row access policies); empty limits nobody."
  type = map(object({
    members   = list(string)
    locations = list(string)
  }))
  default = {}
}

variable "notification_channels" {
  description = "Ids of notification channels created outside Terraform, added to every alert."
  type        = list(string)
  default     = []
}

variable "alert_emails" {
  description = "Addresses that receive every alert of the environment (an email channel each)."
  type        = list(string)
  default     = []
}

variable "max_instances_cap" {
  description = "Upper bound on any function's max instances in this environment."
  type        = number
}

variable "min_instances_enabled" {
  description = "Keep warm instances (prod) or scale to zero (dev, staging)."
  type        = bool
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "text_profile" {
  description = "TRENDWATCH_TEXT_PROFILE of enrich-text: fast or accurate."
  type        = string
}

variable "model_versions" {
  description = "Registered model name => the version (`trendwatch models`' model_version) every service of this environment runs: a service holding another version refuses to start, the supply job runs the pinned forecasting candidates. Empty pins none."
  type        = map(string)
  default     = {}
}

variable "promote_from_project" {
  description = "Project of the environment this one promotes from (dev for staging, staging for prod); null in dev, which builds."
  type        = string
  default     = null
}

variable "approval_required" {
  description = "Every deploy waits for a person's approval in Cloud Build (prod)."
  type        = bool
  default     = false
}

variable "github_owner" {
  type    = string
  default = "trendwatch"
}

variable "github_repository" {
  type    = string
  default = "trendwatch"
}

variable "api_image" {
  description = "Container image of the analysts' API; null deploys no API."
  type        = string
  default     = null
}

variable "stream_reader_image" {
  description = "Container image of the X stream reader (deploy/stream-reader/Dockerfile); null deploys no reader."
  type        = string
  default     = null
}

variable "api_invokers" {
  description = "Members allowed to call the API's service besides IAP's agent (people go through IAP)."
  type        = list(string)
  default     = []
}

variable "api_domain" {
  description = "Host name of the API's HTTPS load balancer (managed certificate); required with api_image."
  type        = string
  default     = null
}

variable "api_roles" {
  description = "E-mail address or @domain => API role (analyst, data_scientist, administrator), passed as TRENDWATCH_API_ROLES."
  type        = map(string)
  default     = {}
}

variable "iap_oauth_client" {
  description = "OAuth client for IAP (id and secret); null uses IAP's Google-managed client."
  type        = object({ id = string, secret = string })
  default     = null
  sensitive   = true
}

variable "workbench_image" {
  description = "Container image of the MLflow tracking server (modules/workbench); null deploys no tracking server."
  type        = string
  default     = null
}
