locals {
  address  = "${var.host}:${var.ports[0]}"
  endpoint = var.endpoint_scheme == "" ? local.address : "${var.endpoint_scheme}://${local.address}/"
}

output "endpoint" {
  description = "Where the service answers: host:port, or scheme://host:port/ when endpoint_scheme is set."
  value       = local.endpoint
  depends_on  = [docker_container.service]
}

output "ports" {
  description = "The service's ports (published on the Docker host)."
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
