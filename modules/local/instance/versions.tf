terraform {
  required_version = ">= 1.5"

  required_providers {
    spawnit = {
      source  = "spawnit.local/spawnit/spawnit"
      version = "~> 0.1"
    }
  }
}

# The provider takes no configuration: it runs services in folders under
# $SPAWNIT_LOCAL_RUN_DIR of the engine's environment.
provider "spawnit" {}
