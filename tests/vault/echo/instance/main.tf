# A module that tries hard to leak its secret: in a local-exec (plain, base64 and
# URL-encoded) and in a non-sensitive output. SpawnIt must mask every form.
variable "service_id" { type = string }
variable "service_name" { type = string }
variable "ports" {
  type    = list(number)
  default = []
}
variable "env" {
  type      = map(string)
  default   = {}
  sensitive = true
}
variable "files" {
  type    = map(string)
  default = {}
}
variable "command" {
  type    = list(string)
  default = []
}
variable "image" {
  type    = string
  default = ""
}
variable "endpoint_scheme" {
  type    = string
  default = ""
}
variable "host" {
  type    = string
  default = "127.0.0.1"
}
variable "secrets" {
  type      = map(string)
  default   = {}
  sensitive = true
}

locals {
  secret = nonsensitive(var.secrets["password"])
}

resource "terraform_data" "echo" {
  input = var.service_id

  provisioner "local-exec" {
    # unquoted on purpose: the shell cuts the value at its '&' and prints a piece of it
    command = "echo plain=${local.secret}; echo 'quoted=${local.secret}'; echo b64=${base64encode(local.secret)}; echo url=${urlencode(local.secret)}"
  }
}

output "leak" {
  value = local.secret
}

output "endpoint" {
  value = "none"
}
