# A user of a realm, with an initial password to change at first login and realm roles.

variable "realm_id" {
  description = "Realm id."
  type        = string
}

variable "username" {
  description = "Login name."
  type        = string
}

variable "email" {
  description = "E-mail address."
  type        = string
}

variable "first_name" {
  description = "First name."
  type        = string
  default     = ""
}

variable "last_name" {
  description = "Last name."
  type        = string
  default     = ""
}

variable "initial_password" {
  description = "Initial password; the user must change it at first login."
  type        = string
  sensitive   = true
}

variable "role_ids" {
  description = "Ids of the realm roles the user has."
  type        = list(string)
  default     = []
}

resource "keycloak_user" "this" {
  realm_id       = var.realm_id
  username       = var.username
  enabled        = true
  email          = var.email
  email_verified = true
  first_name     = var.first_name
  last_name      = var.last_name

  initial_password {
    value     = var.initial_password
    temporary = true
  }
}

resource "keycloak_user_roles" "this" {
  count      = length(var.role_ids) > 0 ? 1 : 0
  realm_id   = var.realm_id
  user_id    = keycloak_user.this.id
  role_ids   = var.role_ids
  exhaustive = false
}

output "id" {
  description = "The user's id (the `sub` claim of their tokens)."
  value       = keycloak_user.this.id
}
