variable "docker_host" {
  description = "Docker daemon address."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "network_name" {
  description = "The network made by the network stack."
  type        = string
}

variable "volumes" {
  description = "The volumes made by the volumes stack, by role (minio, keycloak, api, redis, worker)."
  type        = map(string)
}

variable "images" {
  description = "Container images, pinned: api (built from the repository's Dockerfile; the worker runs it too), minio, keycloak, redis."
  type = object({
    api      = string
    minio    = string
    keycloak = string
    redis    = string
  })
}

variable "ports" {
  description = "Host ports (published on 127.0.0.1): api, minio, minio_console, keycloak."
  type = object({
    api           = number
    minio         = number
    minio_console = number
    keycloak      = number
  })
}

variable "keycloak_url" {
  description = "Keycloak's URL as browsers and the API both reach it (the issuer's base); its host name is also an alias of Keycloak on the network."
  type        = string
}

variable "realm" {
  description = "The realm SpawnIt's tokens come from (made by the configs stack)."
  type        = string
}

variable "api_audience" {
  description = "The audience SpawnIt requires in tokens (a client of the realm)."
  type        = string
}

variable "admin_role" {
  description = "The realm role of read-only administrators."
  type        = string
}

variable "data_bucket" {
  description = "SpawnIt's bucket (made by the configs stack)."
  type        = string
}

variable "docker_socket" {
  description = "Host path of the Docker socket given to SpawnIt for the docker target; empty: none."
  type        = string
  default     = ""
}

variable "docker_gid" {
  description = "Group id owning the Docker socket on the host (stat -c %g /var/run/docker.sock)."
  type        = string
  default     = "999"
}

variable "docker_publish_address" {
  description = "Address of the Docker host SpawnIt's docker services publish their ports on (SPAWNIT_DOCKER_PUBLISH_ADDRESS)."
  type        = string
  default     = "0.0.0.0"
}

variable "aws_target_region" {
  description = "Region of the aws target's services (SPAWNIT_AWS_REGION of the API; empty: the aws target is not offered)."
  type        = string
  default     = ""
}

variable "labels" {
  description = "Labels of the containers."
  type        = map(string)
  default     = {}
}

# --- secrets: from the environment (TF_VAR_...), never in a file of the repository

variable "minio_root_user" {
  description = "MinIO's administrator (TF_VAR_minio_root_user)."
  type        = string
  sensitive   = true
}

variable "minio_root_password" {
  description = "MinIO's administrator password, 8 characters or more (TF_VAR_minio_root_password)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.minio_root_password) >= 8
    error_message = "minio_root_password must have at least 8 characters."
  }
}

variable "keycloak_admin_user" {
  description = "Keycloak's bootstrap administrator (TF_VAR_keycloak_admin_user)."
  type        = string
  default     = "admin"
}

variable "keycloak_admin_password" {
  description = "Its password (TF_VAR_keycloak_admin_password)."
  type        = string
  sensitive   = true
}

variable "spawnit_secret_key" {
  description = "The key that seals SpawnIt's secrets at rest (TF_VAR_spawnit_secret_key)."
  type        = string
  sensitive   = true
}

variable "redis_password" {
  description = "The password of the Redis SpawnIt's API and worker share (TF_VAR_redis_password), 16 characters or more."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.redis_password) >= 16
    error_message = "redis_password must have at least 16 characters."
  }
}

variable "aws_target_access_key_id" {
  description = "The aws target's access key id (TF_VAR_aws_target_access_key_id, set by instances-deploy.sh from SPAWNIT_AWS_ACCESS_KEY_ID); empty: none. Never MinIO's."
  type        = string
  default     = ""
  sensitive   = true
}

variable "aws_target_secret_access_key" {
  description = "Its secret (TF_VAR_aws_target_secret_access_key, from SPAWNIT_AWS_SECRET_ACCESS_KEY)."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = (var.aws_target_access_key_id == "") == (var.aws_target_secret_access_key == "")
    error_message = "aws_target_access_key_id and aws_target_secret_access_key go together."
  }
}
