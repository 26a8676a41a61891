terraform {
  required_version = ">= 1.10"

  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "~> 3.0"
    }
  }

  # State: in MinIO, key infra/network.tfstate of the state bucket (settings given by
  # infra/scripts/lib.sh as -backend-config). Before MinIO exists, the scripts add a
  # local-backend override and later migrate the state: see infra/README.md.
  backend "s3" {}
}

provider "docker" {
  host = var.docker_host
}

module "network" {
  source = "../modules/network"

  name   = var.network_name
  subnet = var.subnet
  labels = var.labels
}

output "network_name" {
  description = "The network every SpawnIt container joins."
  value       = module.network.name
}
