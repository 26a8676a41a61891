# An OpenID Connect client of a realm: PUBLIC (a browser app, authorization code +
# PKCE), CONFIDENTIAL or BEARER-ONLY (an API that only checks tokens). With
# `audience`, the access tokens issued to this client name that client in `aud`.

variable "realm_id" {
  description = "Realm id."
  type        = string
}

variable "client_id" {
  description = "The client's id (as applications name it)."
  type        = string
}

variable "name" {
  description = "Display name."
  type        = string
}

variable "access_type" {
  description = "PUBLIC, CONFIDENTIAL or BEARER-ONLY."
  type        = string

  validation {
    condition     = contains(["PUBLIC", "CONFIDENTIAL", "BEARER-ONLY"], var.access_type)
    error_message = "access_type must be PUBLIC, CONFIDENTIAL or BEARER-ONLY."
  }
}

variable "redirect_uris" {
  description = "Valid redirect URIs (browser clients)."
  type        = list(string)
  default     = []
}

variable "web_origins" {
  description = "Allowed CORS origins (browser clients)."
  type        = list(string)
  default     = []
}

variable "audience" {
  description = "Client id to put in the `aud` claim of this client's access tokens; empty: none."
  type        = string
  default     = ""
}

locals {
  browser = var.access_type == "PUBLIC"
}

resource "keycloak_openid_client" "this" {
  realm_id                     = var.realm_id
  client_id                    = var.client_id
  name                         = var.name
  enabled                      = true
  access_type                  = var.access_type
  standard_flow_enabled        = local.browser
  direct_access_grants_enabled = false
  valid_redirect_uris          = local.browser ? var.redirect_uris : null
  web_origins                  = local.browser ? var.web_origins : null
  pkce_code_challenge_method   = local.browser ? "S256" : null
}

resource "keycloak_openid_audience_protocol_mapper" "audience" {
  count                    = var.audience == "" ? 0 : 1
  realm_id                 = var.realm_id
  client_id                = keycloak_openid_client.this.id
  name                     = "audience-${var.audience}"
  included_client_audience = var.audience
  add_to_access_token      = true
  add_to_id_token          = false
}

output "id" {
  description = "The client's internal id."
  value       = keycloak_openid_client.this.id
}

output "client_id" {
  description = "The client's id."
  value       = keycloak_openid_client.this.client_id
}
