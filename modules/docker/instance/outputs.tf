locals {
  # published on one address: that is where users reach it; on every interface: var.host
  endpoint_host = contains(["0.0.0.0", "::"], var.publish_address) ? var.host : var.publish_address
  address       = "${local.endpoint_host}:${var.ports[0]}"
  endpoint      = var.endpoint_scheme == "" ? local.address : "${var.endpoint_scheme}://${local.address}/"
}

output "endpoint" {
  description = "Where the service answers: host:port, or scheme://host:port/ when endpoint_scheme is set (the host is publish_address, or var.host when ports are published on every interface)."
  value       = local.endpoint
  depends_on  = [docker_container.service]
}

output "ports" {
  description = "The service's ports (published on the Docker host at publish_address)."
  value       = var.ports
}

output "pid" {
  description = "Process id of the service on this host: null on the docker target (the process lives in a container)."
  value       = null
}

output "container_id" {
  description = "Id of the service's container."
  value       = docker_container.service.id
}

output "network" {
  description = "The tenant's Docker network the service's container is attached to."
  value       = terraform_data.tenant_network.output
}
