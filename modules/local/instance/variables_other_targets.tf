# Optional variables of the shared contract (modules/README.md) that concern other
# targets: accepted with their defaults and ignored here, so that one rendered
# terraform.tfvars.json suits every target. (A local service listens on `ports` itself,
# keeps its files and data in its working folder and has no container or instance.)

variable "container_ports" {
  description = "docker/aws: ports the service listens on inside its container; ignored by local."
  type        = list(number)
  default     = []
}

variable "files_path" {
  description = "docker/aws: folder inside the container where files are placed; ignored by local (files go to the working folder)."
  type        = string
  default     = ""
}

variable "data_path" {
  description = "docker/aws: folder inside the container kept across containers; ignored by local (the working folder is kept)."
  type        = string
  default     = ""
}

variable "healthcheck" {
  description = "docker/aws: health check in Docker's form; ignored by local (the provider probes the first port)."
  type        = list(string)
  default     = []
}

variable "instance_type" {
  description = "aws: EC2 instance type; ignored by local."
  type        = string
  default     = "t3.micro"
}

variable "allowed_cidrs" {
  description = "aws: networks allowed to reach the service's ports; ignored by local (it listens on var.host)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}
