locals {
  address  = "${coalesce(aws_instance.service.public_ip, aws_instance.service.private_ip)}:${var.ports[0]}"
  endpoint = var.endpoint_scheme == "" ? local.address : "${var.endpoint_scheme}://${local.address}/"
}

output "endpoint" {
  description = "Where the service answers: the instance's public address (private when it has none) and the first port."
  value       = local.endpoint
}

output "ports" {
  description = "The service's ports (opened in the instance's security group)."
  value       = var.ports
}

output "pid" {
  description = "Process id of the service on this host: null on the aws target (the process lives on the instance)."
  value       = null
}

output "instance_id" {
  description = "Id of the EC2 instance."
  value       = aws_instance.service.id
}
