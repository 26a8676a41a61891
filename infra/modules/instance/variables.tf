variable "name" {
  description = "Container name (also its host name on the network)."
  type        = string
}

variable "image" {
  description = "Container image, pinned by tag (or digest)."
  type        = string
}

variable "entrypoint" {
  description = "Entrypoint override; null: the image's own."
  type        = list(string)
  default     = null
}

variable "command" {
  description = "Command override; empty: the image's own."
  type        = list(string)
  default     = []
}

variable "env" {
  description = "Environment of the container (may hold secrets)."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "network" {
  description = "Name of the Docker network the container joins."
  type        = string
}

variable "aliases" {
  description = "Extra names of the container on the network."
  type        = list(string)
  default     = []
}

variable "ports" {
  description = "Published ports: internal (in the container), external (on the host), ip (host address)."
  type = list(object({
    internal = number
    external = number
    ip       = optional(string, "127.0.0.1")
  }))
  default = []
}

variable "volumes" {
  description = "Named volumes mounted in the container."
  type = list(object({
    volume_name    = string
    container_path = string
  }))
  default = []
}

variable "host_paths" {
  description = "Host paths mounted in the container (e.g. the Docker socket)."
  type = list(object({
    host_path      = string
    container_path = string
    read_only      = optional(bool, false)
  }))
  default = []
}

variable "group_add" {
  description = "Extra groups of the container's user (e.g. the Docker socket's group id)."
  type        = list(string)
  default     = []
}

variable "healthcheck" {
  description = "Health check in Docker's form ([\"CMD\", ...] or [\"CMD-SHELL\", \"...\"]); empty: the image's own."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels of the container."
  type        = map(string)
  default     = {}
}
