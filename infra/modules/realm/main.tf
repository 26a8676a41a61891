# A Keycloak realm with its realm roles.

variable "name" {
  description = "Realm name (it appears in the issuer URL: <keycloak>/realms/<name>)."
  type        = string
}

variable "display_name" {
  description = "Name shown on the login page."
  type        = string
}

variable "roles" {
  description = "Realm roles: name -> description."
  type        = map(string)
  default     = {}
}

variable "access_token_lifespan" {
  description = "Lifetime of access tokens (e.g. \"5m\")."
  type        = string
  default     = "5m"
}

resource "keycloak_realm" "this" {
  realm                    = var.name
  enabled                  = true
  display_name             = var.display_name
  access_token_lifespan    = var.access_token_lifespan
  ssl_required             = "external"
  registration_allowed     = false
  login_with_email_allowed = true
  reset_password_allowed   = true
  remember_me              = true
}

resource "keycloak_role" "this" {
  for_each    = var.roles
  realm_id    = keycloak_realm.this.id
  name        = each.key
  description = each.value
}

output "id" {
  description = "The realm's id."
  value       = keycloak_realm.this.id
}

output "role_ids" {
  description = "Realm role ids by name."
  value       = { for name, role in keycloak_role.this : name => role.id }
}
