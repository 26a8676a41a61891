# The docker target: the service runs as one container, named after its service id, on
# its tenant's network (spawnit-<tenant_id>, the service's name as an alias), with its
# ports published on var.publish_address, its files uploaded, volumes for its kept
# folders, a restart policy and, when the template gives one, a health check that the
# apply waits for. Sidecars (a database beside a web application) run as more containers
# on a network of the service's own, each reachable there by its name; they publish
# nothing.

locals {
  name            = "spawnit-${var.service_id}"
  container_ports = length(var.container_ports) > 0 ? var.container_ports : var.ports
  files_path      = var.files_path == "" ? "/spawnit" : trimsuffix(var.files_path, "/")

  # the tenant's network: every container of the tenant on it, nothing else
  tenant_network = "spawnit-${var.tenant_id}"
  # the service's name as a DNS label: how the tenant's other services reach it
  alias   = trim(substr(replace(lower(var.service_name), "/[^a-z0-9-]+/", "-"), 0, 63), "-")
  aliases = compact(distinct([local.alias, local.name]))

  # files, env and command are templates over the secrets (see variables.tf)
  command = [for arg in var.command : templatestring(arg, var.secrets)]
  env     = [for name, value in var.env : "${name}=${templatestring(value, var.secrets)}"]
  files   = { for name, content in var.files : name => templatestring(content, var.secrets) }

  # kept folders: data_path and volumes of the service's container, volumes of its sidecars
  kept = merge(
    { for path in compact(concat([var.data_path], var.volumes)) : "service:${path}" => {
      container = "service"
      path      = path
      name      = path == var.data_path ? "${local.name}-data" : "${local.name}-${substr(sha1(path), 0, 12)}"
    } },
    merge([for s in var.sidecars : { for path in s.volumes : "${s.name}:${path}" => {
      container = s.name
      path      = path
      name      = "${local.name}-${s.name}-${substr(sha1(path), 0, 12)}"
    } }]...),
  )
  sidecars = { for s in var.sidecars : s.name => s }

  labels = {
    "spawnit.service_id"   = var.service_id
    "spawnit.service_name" = var.service_name
    "spawnit.tenant_id"    = var.tenant_id
  }
}

# The tenant's network belongs to no one service (each service's state is its own), so
# it is ensured rather than owned: created by the first service of the tenant, kept while
# any container is attached, and removed by the destroy of the last one (docker refuses
# to remove a network in use). Argument lists, no shell.
resource "terraform_data" "tenant_network" {
  input = local.tenant_network

  provisioner "local-exec" {
    interpreter = ["python3", "-c", local.ensure_network, var.tenant_id]
    command     = self.input
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = ["docker", "network", "rm"]
    command     = self.input
    on_failure  = continue # still in use by another service of the tenant
  }

  lifecycle {
    precondition {
      condition     = var.tenant_id != ""
      error_message = "The docker target needs tenant_id (SpawnIt gives it as TF_VAR_tenant_id)."
    }
  }
}

locals {
  ensure_network = <<-PY
    import subprocess, sys
    tenant, name = sys.argv[1], sys.argv[2]
    found = subprocess.run(["docker", "network", "inspect", "--format", "{{.Name}}", name], capture_output=True)
    if found.returncode != 0:
        subprocess.run(["docker", "network", "create", "--driver", "bridge", "--label", "spawnit.tenant_id=" + tenant, name], check=True, stdout=subprocess.DEVNULL)
  PY
}

# the service's own network, for its sidecars
resource "docker_network" "service" {
  count  = length(var.sidecars) > 0 ? 1 : 0
  name   = local.name
  driver = "bridge"

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_image" "service" {
  name         = var.image
  keep_locally = true # another service may use the same image
}

resource "docker_image" "sidecar" {
  for_each     = toset([for s in var.sidecars : s.image])
  name         = each.key
  keep_locally = true
}

resource "docker_volume" "kept" {
  for_each = local.kept
  name     = each.value.name

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}
