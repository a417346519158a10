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
  type    = list(string)
  default = []
}

variable "notification_channels" {
  type    = list(string)
  default = []
}

variable "max_instances_cap" {
  type    = number
  default = 3
}

variable "min_instances_enabled" {
  type    = bool
  default = false
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "text_profile" {
  type    = string
  default = "fast"
}
