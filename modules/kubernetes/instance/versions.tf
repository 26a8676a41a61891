terraform {
  required_version = ">= 1.7" # templatestring

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.23, < 4.0"
    }
  }
}

# The cluster comes from the engine's environment: KUBE_CONFIG_PATH (SpawnIt sets it
# from SPAWNIT_KUBECONFIG or KUBECONFIG for kubernetes jobs only) and KUBE_CTX.
provider "kubernetes" {}
