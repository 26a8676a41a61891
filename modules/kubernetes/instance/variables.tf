# The input contract shared by every target (local, docker, aws, kubernetes): same names, same
# types; see modules/README.md. Variables a target does not use are accepted and ignored.

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
  description = "The service's ports, those of its Service (a load balancer); the first one is reported in the endpoint."
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
  description = "Environment of the container; values are templates over var.secrets."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "files" {
  description = "Files mounted into the container under var.files_path from a Secret: name -> content (a template over var.secrets)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.files) : can(regex("^[A-Za-z0-9._-]+$", name)) && name != "." && name != ".."])
    error_message = "files keys must be plain file names (letters, digits, . _ -)."
  }
}

variable "command" {
  description = "Container command override (argv, items are templates over var.secrets); empty: the image's own."
  type        = list(string)
  default     = []
}

variable "image" {
  description = "Container image, e.g. \"postgres:16-alpine\"."
  type        = string
  default     = ""

  validation {
    condition     = length(var.image) > 0
    error_message = "The kubernetes target needs an image."
  }
}

variable "endpoint_scheme" {
  description = "Scheme of the endpoint output: \"\" gives host:port, e.g. \"http\" gives http://host:port/."
  type        = string
  default     = ""
}

variable "host" {
  description = "The endpoint's host when the Service's load balancer reports no address of its own."
  type        = string
  default     = "127.0.0.1"
}

variable "secrets" {
  description = "The service's secrets, name -> value, given by SpawnIt through the environment (TF_VAR_secrets). The strings of files, env and command are templates over them."
  type        = map(string)
  default     = {}
  sensitive   = true
}

# --- optional, with defaults (ignored by targets they do not concern)

variable "container_ports" {
  description = "Ports the service listens on inside its container, one per item of ports; empty: the same as ports."
  type        = list(number)
  default     = []

  validation {
    condition     = alltrue([for p in var.container_ports : p == floor(p) && p >= 1 && p <= 65535])
    error_message = "Each container port must be an integer in 1..65535."
  }
}

variable "files_path" {
  description = "Folder inside the container where files are placed; empty: /spawnit."
  type        = string
  default     = ""

  validation {
    condition     = var.files_path == "" || can(regex("^/[A-Za-z0-9._/-]*$", var.files_path))
    error_message = "files_path must be an absolute path."
  }
}

variable "data_path" {
  description = "Folder inside the container kept in a PersistentVolumeClaim of the service (survives a new pod); empty: none."
  type        = string
  default     = ""

  validation {
    condition     = var.data_path == "" || can(regex("^/[A-Za-z0-9._/-]*$", var.data_path))
    error_message = "data_path must be an absolute path."
  }
}

variable "healthcheck" {
  description = "Health check run inside the container, in Docker's form: [\"CMD\", argv...] or [\"CMD-SHELL\", \"command\"], run as the pod's readiness probe; empty: none."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.healthcheck) == 0 || contains(["CMD", "CMD-SHELL"], try(var.healthcheck[0], ""))
    error_message = "healthcheck must start with \"CMD\" or \"CMD-SHELL\"."
  }
}

variable "instance_type" {
  description = "EC2 instance type (aws target only)."
  type        = string
  default     = "t3.micro"
}

variable "allowed_cidrs" {
  description = "Networks allowed to reach the service's ports (aws target only)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}
