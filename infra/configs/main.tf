terraform {
  required_version = ">= 1.10"

  required_providers {
    minio = {
      source  = "aminueza/minio"
      version = "~> 3.0"
    }
    keycloak = {
      source  = "keycloak/keycloak"
      version = "~> 5.0"
    }
  }

  # State: in MinIO, key infra/configs.tfstate of the state bucket (settings given by
  # infra/scripts/lib.sh as -backend-config). On the first deployment this stack makes
  # that bucket, so it runs with a local-backend override and its state is migrated
  # right after: see infra/README.md.
  backend "s3" {}
}

provider "minio" {
  minio_server   = var.minio_server
  minio_user     = var.minio_root_user
  minio_password = var.minio_root_password
  minio_ssl      = false
}

provider "keycloak" {
  client_id = "admin-cli"
  url       = var.keycloak_admin_url
  realm     = "master"
  username  = var.keycloak_admin_user
  password  = var.keycloak_admin_password
}

locals {
  catalog_dir = "${path.module}/${var.catalog_dir}"
  templates   = fileset("${local.catalog_dir}/templates", "*.template.tfvars.json")
}

# ------------------------------------------------------------------ storage (MinIO)

module "data_bucket" {
  source = "../modules/bucket"

  name          = var.data_bucket
  force_destroy = var.destroy_data
}

module "state_bucket" {
  source = "../modules/bucket"

  name          = var.state_bucket
  force_destroy = true # all-destroy.sh moves the states out of it first
}

module "folder" {
  source   = "../modules/folder"
  for_each = toset(["clients", "templates"])

  bucket = module.data_bucket.name
  path   = each.key
}

module "catalog" {
  source = "../modules/file"

  bucket  = module.data_bucket.name
  key     = "catalog.json"
  content = file("${local.catalog_dir}/catalog.json")
}

module "template" {
  source   = "../modules/file"
  for_each = local.templates

  bucket  = module.data_bucket.name
  key     = "${module.folder["templates"].path}${each.key}"
  content = file("${local.catalog_dir}/templates/${each.key}")
}

# ------------------------------------------------------------------ identity (Keycloak)

module "realm" {
  source = "../modules/realm"

  name         = var.realm
  display_name = "SpawnIt"
  roles        = { (var.admin_role) = "Read-only administrator: sees every tenant's services." }
}

# the API: only checks tokens; its client id is the audience tokens must carry
module "api_client" {
  source = "../modules/client"

  realm_id    = module.realm.id
  client_id   = var.api_audience
  name        = "SpawnIt API"
  access_type = "BEARER-ONLY"
}

# the single-page app: authorization code + PKCE; its access tokens carry aud = the API
module "web_client" {
  source = "../modules/client"

  realm_id      = module.realm.id
  client_id     = var.web_client_id
  name          = "SpawnIt"
  access_type   = "PUBLIC"
  redirect_uris = var.web_redirect_uris
  web_origins   = var.web_origins
  audience      = module.api_client.client_id
}

module "user" {
  source   = "../modules/user"
  for_each = var.users

  realm_id         = module.realm.id
  username         = each.key
  email            = each.value.email
  first_name       = each.value.first_name
  last_name        = each.value.last_name
  initial_password = var.user_passwords[each.key]
  role_ids         = each.value.admin ? [module.realm.role_ids[var.admin_role]] : []
}

output "issuer" {
  description = "The issuer of SpawnIt's tokens, as Keycloak's admin URL reaches it."
  value       = "${var.keycloak_admin_url}/realms/${module.realm.id}"
}

output "users" {
  description = "User ids (the `sub` claim: SpawnIt's tenants) by login."
  value       = { for name, user in module.user : name => user.id }
}
