terraform {
  required_version = ">= 1.7" # templatestring

  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "~> 3.0"
    }
  }
}

# The Docker daemon comes from the engine's environment: DOCKER_HOST (and
# DOCKER_CERT_PATH / DOCKER_TLS_VERIFY), else the local socket.
provider "docker" {}
