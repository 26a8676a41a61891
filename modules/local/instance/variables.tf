# The input contract shared by every target (local, docker, aws): same names, same types.

variable "service_id" {
  description = "The SpawnIt service UUID."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.service_id))
    error_message = "service_id must be a UUID."
  }
}

variable "service_name" {
  description = "Human name of the service."
  type        = string
}

variable "ports" {
  description = "The service's ports; the first one is probed and reported."
  type        = list(number)

  validation {
    condition     = length(var.ports) >= 1
    error_message = "ports must hold at least one port."
  }

  validation {
    condition     = alltrue([for p in var.ports : p == floor(p) && p >= 1 && p <= 65535])
    error_message = "Each port must be an integer in 1..65535."
  }
}

variable "env" {
  description = "Environment of the service."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "files" {
  description = "Files placed in the service's working folder: name -> content."
  type        = map(string)
  default     = {}
}

variable "command" {
  description = "The command to run (local: argv, no shell; docker: container command override)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.command) >= 1
    error_message = "The local target needs a command: command must not be empty."
  }
}

variable "image" {
  description = "Container image (docker and aws targets; ignored by local)."
  type        = string
  default     = ""
}

variable "endpoint_scheme" {
  description = "Scheme of the endpoint output: \"\" gives host:port, e.g. \"http\" gives http://host:port/."
  type        = string
  default     = ""
}

variable "host" {
  description = "Host the service is reached on."
  type        = string
  default     = "127.0.0.1"
}

variable "secrets" {
  description = "The service's secrets, name -> value, given by SpawnIt through the environment (TF_VAR_secrets), never in a file. The strings of files, env and command are templates over them: $${name} is the secret name; $$${ and %%%{ are literal."
  type        = map(string)
  default     = {}
  sensitive   = true
}
