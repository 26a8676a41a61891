output "name" {
  description = "The container's name."
  value       = docker_container.this.name
}

output "id" {
  description = "The container's id."
  value       = docker_container.this.id
}
