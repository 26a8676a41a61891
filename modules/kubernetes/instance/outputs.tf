locals {
  ingress       = try(kubernetes_service_v1.service.status[0].load_balancer[0].ingress[0], null)
  endpoint_host = coalesce(try(local.ingress.ip, ""), try(local.ingress.hostname, ""), var.host)
  address       = "${local.endpoint_host}:${var.ports[0]}"
  endpoint      = var.endpoint_scheme == "" ? local.address : "${var.endpoint_scheme}://${local.address}/"
}

output "endpoint" {
  description = "Where the service answers: its load balancer's address (var.host when it reports none) and the first port, or scheme://host:port/ with endpoint_scheme."
  value       = local.endpoint
  depends_on  = [kubernetes_deployment_v1.service]
}

output "ports" {
  description = "The service's ports (those of its Service)."
  value       = var.ports
}

output "pid" {
  description = "Process id of the service on this host: null on the kubernetes target (the process lives in a pod)."
  value       = null
}

output "namespace" {
  description = "The tenant's namespace the service runs in."
  value       = terraform_data.namespace.output
}

output "deployment" {
  description = "Name of the service's Deployment."
  value       = kubernetes_deployment_v1.service.metadata[0].name
}
