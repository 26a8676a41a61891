# The second half of the input contract shared by every target, identical in every
# module (tests/modules checks it): where a service sits among its tenant's services,
# extra containers it needs, extra kept folders and SSH access. See modules/README.md.
# SpawnIt gives tenant_id and publish_address through the engine's environment
# (TF_VAR_tenant_id, TF_VAR_publish_address); the catalog's templates give the rest.

variable "tenant_id" {
  description = "The tenant's UUID (SpawnIt's): docker names the tenant's network spawnit-<tenant_id>, kubernetes its namespace; local and aws ignore it."
  type        = string
  default     = ""

  validation {
    condition     = var.tenant_id == "" || can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.tenant_id))
    error_message = "tenant_id must be a UUID."
  }
}

variable "publish_address" {
  description = "docker: the Docker host's address the ports are published on (0.0.0.0: every interface); others ignore it."
  type        = string
  default     = "127.0.0.1"

  validation {
    condition     = can(cidrhost("${var.publish_address}/32", 0)) || var.publish_address == "::"
    error_message = "publish_address must be an IPv4 address (or :: for every IPv6 interface)."
  }
}

variable "volumes" {
  description = "docker/aws/kubernetes: more absolute folders inside the container kept across containers (one volume each), besides data_path; local ignores it."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.volumes : can(regex("^/[A-Za-z0-9._/-]*$", p))])
    error_message = "volumes must hold absolute paths."
  }
}

variable "sidecars" {
  description = "docker/aws/kubernetes: more containers of the same service (a database beside a web application), no port published; the service's container reaches each by its name. env and command are templates over var.secrets. local ignores it."
  type = list(object({
    name        = string
    image       = string
    env         = optional(map(string), {})
    command     = optional(list(string), [])
    volumes     = optional(list(string), [])
    ports       = optional(list(number), [])
    healthcheck = optional(list(string), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.sidecars : can(regex("^[a-z][a-z0-9-]{0,17}$", s.name))])
    error_message = "sidecars: each name must be a DNS label (lower-case letters, digits, -), at most 18 characters (kubernetes names its Service spawnit-<service_id>-<name>, 63 at most)."
  }

  validation {
    condition     = length(distinct([for s in var.sidecars : s.name])) == length(var.sidecars)
    error_message = "sidecars: names must be unique."
  }

  validation {
    condition     = alltrue([for s in var.sidecars : length(s.image) > 0])
    error_message = "sidecars: each needs an image."
  }

  validation {
    condition     = alltrue(flatten([for s in var.sidecars : [for p in s.volumes : can(regex("^/[A-Za-z0-9._/-]*$", p))]]))
    error_message = "sidecars: volumes must hold absolute paths."
  }

  validation {
    condition     = alltrue(flatten([for s in var.sidecars : [for p in s.ports : p == floor(p) && p >= 1 && p <= 65535]]))
    error_message = "sidecars: each port must be an integer in 1..65535."
  }

  validation {
    condition     = alltrue([for s in var.sidecars : length(s.healthcheck) == 0 || contains(["CMD", "CMD-SHELL"], try(s.healthcheck[0], ""))])
    error_message = "sidecars: a healthcheck must start with \"CMD\" or \"CMD-SHELL\"."
  }
}

variable "key_name" {
  description = "aws: name of an EC2 key pair installed on the instance for SSH; empty: none. Others ignore it."
  type        = string
  default     = ""
}

variable "ssh_cidrs" {
  description = "aws: IPv4 networks allowed to reach the instance's SSH port 22 (needs key_name); empty: SSH closed. Others ignore it."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.ssh_cidrs : can(cidrhost(c, 0))])
    error_message = "ssh_cidrs must hold valid CIDR blocks."
  }
}

variable "udp_ports" {
  description = "docker/aws/kubernetes: items of ports also published over UDP, to the same container port (game servers: Rust, CS:GO); local ignores it."
  type        = list(number)
  default     = []

  validation {
    condition     = alltrue([for p in var.udp_ports : p == floor(p) && p >= 1 && p <= 65535])
    error_message = "Each UDP port must be an integer in 1..65535."
  }
}

variable "privileged" {
  description = "docker/aws/kubernetes: run the service's container privileged (a Kubernetes node in a container: kind); local ignores it."
  type        = bool
  default     = false
}
