terraform {
  required_version = ">= 1.10"

  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "~> 3.0"
    }
  }

  # State: in MinIO, key infra/volumes.tfstate of the state bucket (settings given by
  # infra/scripts/lib.sh as -backend-config). Before MinIO exists, the scripts add a
  # local-backend override and later migrate the state: see infra/README.md.
  backend "s3" {}
}

provider "docker" {
  host = var.docker_host
}

module "volume" {
  source   = "../modules/volume"
  for_each = var.volumes

  name   = each.value
  labels = var.labels
}

output "volumes" {
  description = "Volume names by role."
  value       = { for role, volume in module.volume : role => volume.name }
}
