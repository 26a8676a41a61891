# The local target: the service runs as a detached local process in
# $SPAWNIT_LOCAL_RUN_DIR/<service_id>/, started and watched by the spawnit provider.
# A process killed by hand is gone at the next refresh: the plan creates it again.

resource "spawnit_process" "service" {
  instance = var.service_id
  command  = var.command
  env      = var.env
  files    = var.files
  port     = var.ports[0]
  host     = var.host
}

locals {
  address  = "${var.host}:${var.ports[0]}"
  endpoint = var.endpoint_scheme == "" ? local.address : "${var.endpoint_scheme}://${local.address}/"
}
