# The aws target: one EC2 instance (Amazon Linux 2023, the newest image for the
# instance type's architecture) in the default VPC, a security group that opens only
# the service's ports, and user data that installs Docker and runs the service's
# container (and its sidecars, on a Docker network of the instance's own, each reachable
# by its name) with its files, environment, kept folders and restart policy. SSH (port
# 22) opens to ssh_cidrs only when a key pair (key_name) is given.
#
# The environment (it may hold secrets) reaches the instance in its user data, which
# anyone allowed ec2:DescribeInstanceAttribute in the account can read; the metadata
# service needs IMDSv2 tokens with a hop limit of 1, so the container cannot read it.

locals {
  name            = "spawnit-${var.service_id}"
  container_ports = length(var.container_ports) > 0 ? var.container_ports : var.ports
  files_path      = var.files_path == "" ? "/spawnit" : trimsuffix(var.files_path, "/")
  architecture    = contains(data.aws_ec2_instance_type.service.supported_architectures, "arm64") ? "arm64" : "x86_64"

  # files, env and command are templates over the secrets (see variables.tf)
  command = [for arg in var.command : templatestring(arg, var.secrets)]
  env     = { for name, value in var.env : name => templatestring(value, var.secrets) }
  files   = { for name, content in var.files : name => templatestring(content, var.secrets) }

  health = length(var.healthcheck) == 0 ? "" : (
    var.healthcheck[0] == "CMD-SHELL" ? join(" ", slice(var.healthcheck, 1, length(var.healthcheck))) :
    join(" ", [for arg in slice(var.healthcheck, 1, length(var.healthcheck)) : local.quote[arg]])
  )

  # sidecars: more containers on the instance's own Docker network, each reachable by its name
  sidecar_command = { for s in var.sidecars : s.name => [for arg in s.command : templatestring(arg, var.secrets)] }
  sidecar_env     = { for s in var.sidecars : s.name => { for name, value in s.env : name => templatestring(value, var.secrets) } }
  sidecar_health = { for s in var.sidecars : s.name => length(s.healthcheck) == 0 ? "" : (
    s.healthcheck[0] == "CMD-SHELL" ? join(" ", slice(s.healthcheck, 1, length(s.healthcheck))) :
    join(" ", [for arg in slice(s.healthcheck, 1, length(s.healthcheck)) : "'${replace(arg, "'", "'\\''")}'"])
  ) }

  # POSIX shell single quoting of every word that reaches a docker run command line
  words = distinct(concat(
    var.healthcheck, local.command, [var.image, local.files_path, var.data_path, local.health], var.volumes,
    flatten([for s in var.sidecars : concat([s.image, local.sidecar_health[s.name]], s.volumes, local.sidecar_command[s.name])]),
  ))
  quote = { for w in local.words : w => "'${replace(w, "'", "'\\''")}'" }

  # a kept folder on the instance per volume (data_path keeps /opt/spawnit/data)
  kept         = { for path in var.volumes : path => "/opt/spawnit/volumes/${substr(sha1(path), 0, 12)}" }
  sidecar_kept = { for s in var.sidecars : s.name => { for path in s.volumes : path => "/opt/spawnit/volumes/${s.name}-${substr(sha1(path), 0, 12)}" } }

  sidecar_runs = [for s in var.sidecars : join(" ", concat(
    ["docker", "run", "--detach", "--name", "spawnit-${s.name}", "--restart", "unless-stopped"],
    ["--network", "spawnit", "--network-alias", s.name, "--env-file", "/opt/spawnit/env-${s.name}"],
    flatten([for path, dir in local.sidecar_kept[s.name] : ["--volume", "${dir}:${local.quote[path]}"]]),
    local.sidecar_health[s.name] == "" ? [] : ["--health-cmd", local.quote[local.sidecar_health[s.name]], "--health-interval", "10s", "--health-retries", "12"],
    [local.quote[s.image]],
    [for arg in local.sidecar_command[s.name] : local.quote[arg]],
  ))]

  run_args = concat(
    ["docker", "run", "--detach", "--name", "spawnit-service", "--restart", "unless-stopped", "--env-file", "/opt/spawnit/env"],
    ["--network", "spawnit"],
    flatten([for i, port in var.ports : ["--publish", "${port}:${local.container_ports[i]}"]]),
    flatten([for i, port in var.ports : ["--publish", "${port}:${local.container_ports[i]}/udp"] if contains(var.udp_ports, port)]),
    var.privileged ? ["--privileged"] : [],
    ["--volume", "/opt/spawnit/files:${local.quote[local.files_path]}:ro"],
    var.data_path == "" ? [] : ["--volume", "/opt/spawnit/data:${local.quote[var.data_path]}"],
    flatten([for path, dir in local.kept : ["--volume", "${dir}:${local.quote[path]}"]]),
    local.health == "" ? [] : ["--health-cmd", local.quote[local.health], "--health-interval", "10s", "--health-retries", "6"],
    [local.quote[var.image]],
    [for arg in local.command : local.quote[arg]],
  )

  kept_dirs = concat(values(local.kept), flatten([for s in var.sidecars : values(local.sidecar_kept[s.name])]))

  user_data = join("\n", concat(
    [
      "#!/bin/bash",
      "# written by SpawnIt for service ${var.service_id}",
      "set -euo pipefail",
      "dnf install -y docker",
      "systemctl enable --now docker",
      "install -d -m 0755 /opt/spawnit/files /opt/spawnit/data /opt/spawnit/volumes ${join(" ", local.kept_dirs)}",
      "umask 077",
    ],
    [for name, content in local.files : "echo ${base64encode(content)} | base64 -d > /opt/spawnit/files/${name}"],
    ["chmod 0644 /opt/spawnit/files/* 2>/dev/null || true"],
    ["echo ${base64encode(join("", [for name, value in local.env : "${name}=${value}\n"]))} | base64 -d > /opt/spawnit/env"],
    [for s in var.sidecars : "echo ${base64encode(join("", [for name, value in local.sidecar_env[s.name] : "${name}=${value}\n"]))} | base64 -d > /opt/spawnit/env-${s.name}"],
    ["docker network inspect spawnit >/dev/null 2>&1 || docker network create spawnit"],
    [for s in var.sidecars : "docker rm -f spawnit-${s.name} 2>/dev/null || true"],
    local.sidecar_runs,
    ["docker rm -f spawnit-service 2>/dev/null || true", join(" ", local.run_args), ""],
  ))
}

data "aws_ec2_instance_type" "service" {
  instance_type = var.instance_type
}

data "aws_ami" "service" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-kernel-*-${local.architecture}"]
  }

  filter {
    name   = "architecture"
    values = [local.architecture]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

data "aws_vpc" "default" {
  default = true
}

resource "aws_security_group" "service" {
  name_prefix = "${local.name}-"
  description = "SpawnIt service ${var.service_name}: its ports only"
  vpc_id      = data.aws_vpc.default.id

  tags = {
    Name                 = local.name
    "spawnit:service_id" = var.service_id
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "service" {
  for_each = { for pair in setproduct(var.ports, var.allowed_cidrs) : "${pair[0]}/${pair[1]}" => pair }

  security_group_id = aws_security_group.service.id
  description       = "service port ${each.value[0]}"
  ip_protocol       = "tcp"
  from_port         = each.value[0]
  to_port           = each.value[0]
  cidr_ipv4         = each.value[1]
}

resource "aws_vpc_security_group_ingress_rule" "udp" {
  for_each = { for pair in setproduct(var.udp_ports, var.allowed_cidrs) : "${pair[0]}/${pair[1]}" => pair }

  security_group_id = aws_security_group.service.id
  description       = "service port ${each.value[0]} (UDP)"
  ip_protocol       = "udp"
  from_port         = each.value[0]
  to_port           = each.value[0]
  cidr_ipv4         = each.value[1]
}

# SSH, only with a key pair and only from ssh_cidrs
resource "aws_vpc_security_group_ingress_rule" "ssh" {
  for_each = var.key_name == "" ? toset([]) : toset(var.ssh_cidrs)

  security_group_id = aws_security_group.service.id
  description       = "SSH"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value
}

# outbound: the instance installs Docker and pulls the image
resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.service.id
  description       = "packages and images"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_instance" "service" {
  ami                         = data.aws_ami.service.id
  instance_type               = var.instance_type
  vpc_security_group_ids      = [aws_security_group.service.id]
  associate_public_ip_address = true
  key_name                    = var.key_name == "" ? null : var.key_name
  user_data_base64            = base64gzip(local.user_data)
  user_data_replace_on_change = true

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = 16
    encrypted   = true
  }

  tags = {
    Name                   = "spawnit-${var.service_name}"
    "spawnit:service_id"   = var.service_id
    "spawnit:service_name" = var.service_name
  }

  lifecycle {
    precondition {
      condition     = length(local.container_ports) == length(var.ports)
      error_message = "container_ports must be empty or hold one port per item of ports."
    }

    precondition {
      condition     = alltrue([for p in var.udp_ports : contains(var.ports, p)])
      error_message = "udp_ports must be items of ports."
    }
  }
}
