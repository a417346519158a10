variable "project_id" {
  description = "The staging GCP project (one project per environment)."
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
  description = "Members allowed to call the API (the IAP service agent, analyst groups)."
  type        = list(string)
  default     = []
}

variable "promote_from_project" {
  description = "The dev project, whose deployed builds this environment promotes."
  type        = string
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
