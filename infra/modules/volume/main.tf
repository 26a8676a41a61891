# A named Docker volume, kept when its container is replaced.

variable "name" {
  description = "Volume name."
  type        = string
}

variable "labels" {
  description = "Labels of the volume."
  type        = map(string)
  default     = {}
}

resource "docker_volume" "this" {
  name = var.name

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

output "name" {
  description = "The volume's name."
  value       = docker_volume.this.name
}
