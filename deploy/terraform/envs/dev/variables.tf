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
