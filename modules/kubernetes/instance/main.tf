# The kubernetes target: the service runs as a Deployment of one pod in its tenant's
# namespace (spawnit-<tenant_id>), behind a Service of type LoadBalancer on its ports,
# its environment and files in a Secret, a PersistentVolumeClaim per kept folder.
# Sidecars run as Deployments of their own with a ClusterIP Service each, and the
# service's pod resolves each sidecar's name to it (host aliases), so the catalog's
# images run unchanged: "db" is the database here as on docker.

locals {
  name            = "spawnit-${var.service_id}"
  container_ports = length(var.container_ports) > 0 ? var.container_ports : var.ports
  files_path      = var.files_path == "" ? "/spawnit" : trimsuffix(var.files_path, "/")
  namespace       = "spawnit-${var.tenant_id}"

  command = [for arg in var.command : templatestring(arg, var.secrets)]
  env     = { for name, value in var.env : name => templatestring(value, var.secrets) }
  files   = { for name, content in var.files : name => templatestring(content, var.secrets) }

  # kept folders: a claim each
  kept = merge(
    { for path in compact(concat([var.data_path], var.volumes)) : "service:${path}" => {
      container = "service"
      path      = path
      name      = path == var.data_path ? "${local.name}-data" : "${local.name}-${substr(sha1(path), 0, 12)}"
    } },
    merge([for s in var.sidecars : { for path in s.volumes : "${s.name}:${path}" => {
      container = s.name
      path      = path
      name      = "${local.name}-${s.name}-${substr(sha1(path), 0, 12)}"
    } }]...),
  )
  sidecars = { for s in var.sidecars : s.name => s }

  labels      = { "app.kubernetes.io/managed-by" = "spawnit", "spawnit/service-id" = var.service_id }
  annotations = { "spawnit/service-name" = var.service_name }
}

# The tenant's namespace belongs to no one service: ensured by the first service's
# apply, never deleted by a destroy (deleting a namespace deletes what is in it).
resource "terraform_data" "namespace" {
  input = local.namespace

  provisioner "local-exec" {
    interpreter = ["python3", "-c", local.ensure_namespace, var.tenant_id]
    command     = self.input
  }

  lifecycle {
    precondition {
      condition     = var.tenant_id != ""
      error_message = "The kubernetes target needs tenant_id (SpawnIt gives it as TF_VAR_tenant_id)."
    }
  }
}

locals {
  ensure_namespace = <<-PY
    import subprocess, sys
    tenant, name = sys.argv[1], sys.argv[2]
    found = subprocess.run(["kubectl", "get", "namespace", name, "-o", "name"], capture_output=True)
    if found.returncode != 0:
        subprocess.run(["kubectl", "create", "namespace", name], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["kubectl", "label", "namespace", name, "spawnit/tenant-id=" + tenant], check=True, stdout=subprocess.DEVNULL)
  PY
}

# sensitive values (the environment, the files) live in Secrets, never in a pod spec
resource "kubernetes_secret_v1" "env" {
  metadata {
    name        = "${local.name}-env"
    namespace   = terraform_data.namespace.output
    labels      = local.labels
    annotations = local.annotations
  }
  data = local.env
}

resource "kubernetes_secret_v1" "files" {
  metadata {
    name      = "${local.name}-files"
    namespace = terraform_data.namespace.output
    labels    = local.labels
  }
  data = local.files
}

resource "kubernetes_secret_v1" "sidecar_env" {
  for_each = local.sidecars
  metadata {
    name      = "${local.name}-${each.key}-env"
    namespace = terraform_data.namespace.output
    labels    = local.labels
  }
  data = { for name, value in each.value.env : name => templatestring(value, var.secrets) }
}

resource "kubernetes_persistent_volume_claim_v1" "kept" {
  for_each = local.kept
  metadata {
    name      = each.value.name
    namespace = terraform_data.namespace.output
    labels    = local.labels
  }
  spec {
    access_modes = ["ReadWriteOnce"]
    resources {
      requests = { storage = "1Gi" }
    }
  }
  wait_until_bound = false # a WaitForFirstConsumer class binds when the pod starts
}

resource "kubernetes_service_v1" "service" {
  metadata {
    name        = local.name
    namespace   = terraform_data.namespace.output
    labels      = local.labels
    annotations = local.annotations
  }
  spec {
    type     = "LoadBalancer"
    selector = { "spawnit/service-id" = var.service_id, "spawnit/container" = "service" }
    dynamic "port" {
      for_each = { for i, p in var.ports : tostring(p) => local.container_ports[i] }
      content {
        name        = "p${port.key}"
        port        = tonumber(port.key)
        target_port = port.value
        protocol    = "TCP"
      }
    }
    dynamic "port" {
      for_each = { for i, p in var.ports : tostring(p) => local.container_ports[i] if contains(var.udp_ports, p) }
      content {
        name        = "u${port.key}"
        port        = tonumber(port.key)
        target_port = port.value
        protocol    = "UDP"
      }
    }
  }
  wait_for_load_balancer = false # a cluster without one still serves the node's ports

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

resource "kubernetes_service_v1" "sidecar" {
  for_each = { for name, s in local.sidecars : name => s if length(s.ports) > 0 }
  metadata {
    name      = "${local.name}-${each.key}"
    namespace = terraform_data.namespace.output
    labels    = local.labels
  }
  spec {
    type     = "ClusterIP"
    selector = { "spawnit/service-id" = var.service_id, "spawnit/container" = each.key }
    dynamic "port" {
      for_each = toset(each.value.ports)
      content {
        name        = "p${port.value}"
        port        = port.value
        target_port = port.value
        protocol    = "TCP"
      }
    }
  }
}
