resource "docker_container" "sidecar" {
  for_each = local.sidecars
  name     = "${local.name}-${each.key}"
  hostname = each.key
  image    = docker_image.sidecar[each.value.image].image_id
  command  = length(each.value.command) > 0 ? [for arg in each.value.command : templatestring(arg, var.secrets)] : null
  env      = [for name, value in each.value.env : "${name}=${templatestring(value, var.secrets)}"]
  restart  = "unless-stopped"
  must_run = true

  wait         = length(each.value.healthcheck) > 0
  wait_timeout = 300

  # the service's network only: never Docker's default bridge, which every tenant shares
  network_mode = docker_network.service[0].name

  networks_advanced {
    name    = docker_network.service[0].name
    aliases = [each.key]
  }

  dynamic "volumes" {
    for_each = { for key, v in local.kept : key => v if v.container == each.key }
    content {
      volume_name    = docker_volume.kept[volumes.key].name
      container_path = volumes.value.path
    }
  }

  dynamic "healthcheck" {
    for_each = length(each.value.healthcheck) > 0 ? [each.value.healthcheck] : []
    content {
      test         = healthcheck.value
      interval     = "10s"
      timeout      = "5s"
      start_period = "60s"
      retries      = 12
    }
  }

  dynamic "labels" {
    for_each = merge(local.labels, { "spawnit.sidecar" = each.key })
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

  # the tenant's network first, never Docker's default bridge, which every tenant shares
  network_mode = terraform_data.tenant_network.output

  # the tenant's network, the service's name as an alias: its other services reach it
  networks_advanced {
    name    = terraform_data.tenant_network.output
    aliases = local.aliases
  }

  dynamic "networks_advanced" {
    for_each = docker_network.service
    content {
      name = networks_advanced.value.name
    }
  }

  privileged = var.privileged

  dynamic "ports" {
    for_each = { for i, port in var.ports : tostring(port) => local.container_ports[i] }
    content {
      external = tonumber(ports.key)
      internal = ports.value
      ip       = var.publish_address
      protocol = "tcp"
    }
  }

  dynamic "ports" {
    for_each = { for i, port in var.ports : tostring(port) => local.container_ports[i] if contains(var.udp_ports, port) }
    content {
      external = tonumber(ports.key)
      internal = ports.value
      ip       = var.publish_address
      protocol = "udp"
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
    for_each = { for key, v in local.kept : key => v if v.container == "service" }
    content {
      volume_name    = docker_volume.kept[volumes.key].name
      container_path = volumes.value.path
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

  depends_on = [docker_container.sidecar]

  lifecycle {
    precondition {
      condition     = length(local.container_ports) == length(var.ports)
      error_message = "container_ports must be empty or hold one port per item of ports."
    }

    precondition {
      condition     = alltrue([for p in var.udp_ports : contains(var.ports, p)])
      error_message = "udp_ports must be items of ports."
    }
  }
}
