variable "docker_host" {
  description = "Docker daemon address."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "volumes" {
  description = "Persistent volumes by role (minio, keycloak, api): role -> volume name."
  type        = map(string)
}

variable "labels" {
  description = "Labels put on every volume."
  type        = map(string)
  default     = {}
}
