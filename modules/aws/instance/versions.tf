terraform {
  required_version = ">= 1.7" # templatestring

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}

# Region and credentials come from the engine's environment (AWS_REGION, AWS_PROFILE or
# AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an instance role...), never from the form.
provider "aws" {
  default_tags {
    tags = {
      "spawnit:managed-by" = "spawnit"
    }
  }
}
