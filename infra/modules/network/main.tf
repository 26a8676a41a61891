# A user-defined bridge network: containers on it reach each other by name and alias.

variable "name" {
  description = "Network name."
  type        = string
}

variable "subnet" {
  description = "IPv4 subnet of the network (CIDR); empty: Docker picks one."
  type        = string
  default     = ""
}

variable "labels" {
  description = "Labels of the network."
  type        = map(string)
  default     = {}
}

resource "docker_network" "this" {
  name   = var.name
  driver = "bridge"

  dynamic "ipam_config" {
    for_each = var.subnet == "" ? [] : [var.subnet]
    content {
      subnet = ipam_config.value
    }
  }

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

output "name" {
  description = "The network's name."
  value       = docker_network.this.name
}

output "id" {
  description = "The network's id."
  value       = docker_network.this.id
}
