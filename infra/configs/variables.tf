variable "minio_server" {
  description = "MinIO's S3 endpoint as host:port, from where the scripts run."
  type        = string
}

variable "keycloak_admin_url" {
  description = "Keycloak's URL from where the scripts run (its admin API)."
  type        = string
}

variable "catalog_dir" {
  description = "The catalog to upload (catalog.json and templates/), relative to this folder."
  type        = string
  default     = "../../catalog"
}

variable "data_bucket" {
  description = "SpawnIt's bucket: catalog, templates, clients' services and their states."
  type        = string
}

variable "state_bucket" {
  description = "The bucket that keeps the infra stacks' own states."
  type        = string
}

variable "destroy_data" {
  description = "Let a destroy delete SpawnIt's bucket even when it holds services' data."
  type        = bool
  default     = false
}

variable "realm" {
  description = "The realm of SpawnIt's users."
  type        = string
}

variable "api_audience" {
  description = "Client id of the API: the `aud` its tokens must carry."
  type        = string
}

variable "web_client_id" {
  description = "Client id of the single-page app (public client)."
  type        = string
}

variable "web_redirect_uris" {
  description = "Where Keycloak may send the app back after login."
  type        = list(string)
}

variable "web_origins" {
  description = "Origins allowed to call Keycloak from a browser (CORS)."
  type        = list(string)
}

variable "admin_role" {
  description = "The realm role of read-only administrators."
  type        = string
}

variable "users" {
  description = "Default users by login; admin gives the admin role."
  type = map(object({
    email      = string
    first_name = optional(string, "")
    last_name  = optional(string, "")
    admin      = optional(bool, false)
  }))
  default = {}
}

# --- secrets: from the environment (TF_VAR_...), never in a file of the repository

variable "user_passwords" {
  description = "Initial password of each default user, by login, changed at first login (TF_VAR_user_passwords='{\"alice\":\"...\"}')."
  type        = map(string)
  sensitive   = true
  default     = {}
}

variable "minio_root_user" {
  description = "MinIO's administrator (TF_VAR_minio_root_user)."
  type        = string
  sensitive   = true
}

variable "minio_root_password" {
  description = "MinIO's administrator password (TF_VAR_minio_root_password)."
  type        = string
  sensitive   = true
}

variable "keycloak_admin_user" {
  description = "Keycloak's administrator (TF_VAR_keycloak_admin_user)."
  type        = string
  default     = "admin"
}

variable "keycloak_admin_password" {
  description = "Its password (TF_VAR_keycloak_admin_password)."
  type        = string
  sensitive   = true
}
