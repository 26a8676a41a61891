# The docker target: the service runs as one container, named after its service id,
# with its ports published on var.host, its files uploaded, an optional data volume,
# a restart policy and, when the template gives one, a health check that the apply
# waits for.

locals {
  name            = "spawnit-${var.service_id}"
  container_ports = length(var.container_ports) > 0 ? var.container_ports : var.ports
  files_path      = var.files_path == "" ? "/spawnit" : trimsuffix(var.files_path, "/")

  # files, env and command are templates over the secrets (see variables.tf)
  command = [for arg in var.command : templatestring(arg, var.secrets)]
  env     = [for name, value in var.env : "${name}=${templatestring(value, var.secrets)}"]
  files   = { for name, content in var.files : name => templatestring(content, var.secrets) }

  labels = {
    "spawnit.service_id"   = var.service_id
    "spawnit.service_name" = var.service_name
  }
}

resource "docker_image" "service" {
  name         = var.image
  keep_locally = true # another service may use the same image
}

resource "docker_volume" "data" {
  count = var.data_path == "" ? 0 : 1
  name  = "${local.name}-data"

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_container" "service" {
  name     = local.name
  hostname = "spawnit-${substr(var.service_id, 0, 8)}"
  image    = docker_image.service.image_id
  command  = length(local.command) > 0 ? local.command : null
  env      = local.env
  restart  = "unless-stopped"
  must_run = true

  # with a health check, the apply succeeds only once the service is healthy
  wait         = length(var.healthcheck) > 0
  wait_timeout = 180

  dynamic "ports" {
    for_each = { for i, port in var.ports : tostring(port) => local.container_ports[i] }
    content {
      external = tonumber(ports.key)
      internal = ports.value
      ip       = var.host
      protocol = "tcp"
    }
  }

  dynamic "upload" {
    for_each = local.files
    content {
      file    = "${local.files_path}/${upload.key}"
      content = upload.value
    }
  }

  dynamic "volumes" {
    for_each = docker_volume.data
    content {
      volume_name    = volumes.value.name
      container_path = var.data_path
    }
  }

  dynamic "healthcheck" {
    for_each = length(var.healthcheck) > 0 ? [var.healthcheck] : []
    content {
      test         = healthcheck.value
      interval     = "10s"
      timeout      = "5s"
      start_period = "60s"
      retries      = 6
    }
  }

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }

  lifecycle {
    precondition {
      condition     = length(local.container_ports) == length(var.ports)
      error_message = "container_ports must be empty or hold one port per item of ports."
    }
  }
}
