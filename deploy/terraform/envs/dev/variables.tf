variable "project_id" {
  description = "The dev GCP project (one project per environment)."
  type        = string
}

variable "project_number" {
  description = "Numeric id of project_id (names the Google service agents)."
  type        = string
}

variable "region" {
  type    = string
  default = "europe-west1"
}

variable "kms_key_name" {
  description = "Customer-managed key; null = Google-managed."
  type        = string
  default     = null
}

variable "source_objects" {
  description = "Service name => zipped source object (set by CI per build)."
  type        = map(string)
  default     = {}
}

variable "api_image" {
  description = "Container image of the analysts' API (pushed by CI); null deploys no API yet."
  type        = string
  default     = null
}

variable "stream_reader_image" {
  description = "Container image of the X stream reader; null deploys no reader yet."
  type        = string
  default     = null
}

variable "api_invokers" {
  description = "Members allowed to call the API's service besides IAP's agent (people go through IAP)."
  type        = list(string)
  default     = []
}

variable "api_domain" {
  description = "Host name of the API's HTTPS load balancer (managed certificate); required once api_image is set."
  type        = string
  default     = null
}

variable "api_roles" {
  description = "E-mail address or @domain => API role (analyst, data_scientist, administrator): who IAP lets in and the API answers."
  type        = map(string)
  default     = {}
}

variable "iap_oauth_client" {
  description = "OAuth client IAP signs people in with (id, secret); null uses IAP's Google-managed client."
  type        = object({ id = string, secret = string })
  default     = null
  sensitive   = true
}

variable "data_scientist_members" {
  description = "IAM members who read the data scientists' views (personal columns included); empty grants none."
  type        = list(string)
  default     = []
}

variable "administrator_members" {
  description = "IAM members who read the base dataset (dead letters, personal columns); empty grants none."
  type        = list(string)
  default     = []
}

variable "market_teams" {
  description = "Team key => members and the location_ids whose rows alone they see; empty limits nobody."
  type = map(object({
    members   = list(string)
    locations = list(string)
  }))
  default = {}
}

variable "analyst_members" {
  description = "IAM members (e.g. group:analysts@example.com) who read the analyst views; empty grants none."
  type        = list(string)
  default     = []
}

variable "alert_emails" {
  description = "Addresses that receive every alert of this environment (an email channel each); empty sends none."
  type        = list(string)
  default     = []
}

variable "model_versions" {
  description = "Registered model name => the version this environment runs, as `trendwatch models` names it (model_version); empty pins none."
  type        = map(string)
  default     = {}
}

variable "workbench_image" {
  description = "Container image of the MLflow tracking server; null deploys none."
  type        = string
  default     = null
}
