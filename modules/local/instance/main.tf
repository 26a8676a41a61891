# The local target: the service runs as a detached local process in
# $SPAWNIT_LOCAL_RUN_DIR/<service_id>/, started and watched by the spawnit provider.
# A process killed by hand is gone at the next refresh: the plan creates it again.

# files, env and command are templates over the secrets (see variables.tf)
locals {
  command = [for arg in var.command : templatestring(arg, var.secrets)]
  env     = { for name, value in var.env : name => templatestring(value, var.secrets) }
  files   = { for name, content in var.files : name => templatestring(content, var.secrets) }
}

resource "spawnit_process" "service" {
  instance = var.service_id
  command  = local.command
  env      = local.env
  files    = local.files
  port     = var.ports[0]
  host     = var.host
}

locals {
  address  = "${var.host}:${var.ports[0]}"
  endpoint = var.endpoint_scheme == "" ? local.address : "${var.endpoint_scheme}://${local.address}/"
}
