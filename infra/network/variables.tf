variable "docker_host" {
  description = "Docker daemon address."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "network_name" {
  description = "Name of the network of SpawnIt's containers."
  type        = string
}

variable "subnet" {
  description = "Its IPv4 subnet (CIDR); empty: Docker picks one."
  type        = string
  default     = ""
}

variable "labels" {
  description = "Labels of the network."
  type        = map(string)
  default     = {}
}
