output "endpoint" {
  description = "Where the service answers: host:port, or scheme://host:port/ when endpoint_scheme is set."
  value       = local.endpoint
  depends_on  = [spawnit_process.service]
}

output "ports" {
  description = "The service's ports."
  value       = var.ports
}

output "pid" {
  description = "Process id of the service."
  value       = spawnit_process.service.pid
}
