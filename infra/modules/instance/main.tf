# One long-running container: pinned image, restart policy, network aliases, volumes,
# published ports and a health check (the deploy scripts wait for it to be healthy).

resource "docker_image" "this" {
  name         = var.image
  keep_locally = true
}

resource "docker_container" "this" {
  name       = var.name
  hostname   = var.name
  image      = docker_image.this.image_id
  command    = length(var.command) > 0 ? var.command : null
  entrypoint = var.entrypoint
  env        = [for k, v in var.env : "${k}=${v}"]
  restart    = "unless-stopped"
  must_run   = true
  group_add  = var.group_add

  networks_advanced {
    name    = var.network
    aliases = var.aliases
  }

  dynamic "ports" {
    for_each = var.ports
    content {
      internal = ports.value.internal
      external = ports.value.external
      ip       = ports.value.ip
    }
  }

  dynamic "volumes" {
    for_each = var.volumes
    content {
      volume_name    = volumes.value.volume_name
      container_path = volumes.value.container_path
    }
  }

  dynamic "volumes" {
    for_each = var.host_paths
    content {
      host_path      = volumes.value.host_path
      container_path = volumes.value.container_path
      read_only      = volumes.value.read_only
    }
  }

  dynamic "healthcheck" {
    for_each = length(var.healthcheck) > 0 ? [var.healthcheck] : []
    content {
      test         = healthcheck.value
      interval     = "10s"
      timeout      = "5s"
      start_period = "30s"
      retries      = 10
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
