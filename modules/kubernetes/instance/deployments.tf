locals {
  # Docker's health check form as a probe's argv
  probe = length(var.healthcheck) == 0 ? [] : (
    var.healthcheck[0] == "CMD-SHELL" ? ["/bin/sh", "-c", join(" ", slice(var.healthcheck, 1, length(var.healthcheck)))] :
    slice(var.healthcheck, 1, length(var.healthcheck))
  )
}

resource "kubernetes_deployment_v1" "sidecar" {
  for_each = local.sidecars
  metadata {
    name      = "${local.name}-${each.key}"
    namespace = terraform_data.namespace.output
    labels    = local.labels
  }
  spec {
    replicas = 1
    selector {
      match_labels = { "spawnit/service-id" = var.service_id, "spawnit/container" = each.key }
    }
    strategy {
      type = "Recreate" # its claims are ReadWriteOnce
    }
    template {
      metadata {
        labels = merge(local.labels, { "spawnit/container" = each.key })
      }
      spec {
        hostname = each.key
        container {
          name  = each.key
          image = each.value.image
          args  = length(each.value.command) > 0 ? [for arg in each.value.command : templatestring(arg, var.secrets)] : null
          env_from {
            secret_ref {
              name = kubernetes_secret_v1.sidecar_env[each.key].metadata[0].name
            }
          }
          dynamic "volume_mount" {
            for_each = { for key, v in local.kept : key => v if v.container == each.key }
            content {
              name       = volume_mount.value.name
              mount_path = volume_mount.value.path
            }
          }
        }
        dynamic "volume" {
          for_each = { for key, v in local.kept : key => v if v.container == each.key }
          content {
            name = volume.value.name
            persistent_volume_claim {
              claim_name = kubernetes_persistent_volume_claim_v1.kept[volume.key].metadata[0].name
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_deployment_v1" "service" {
  metadata {
    name        = local.name
    namespace   = terraform_data.namespace.output
    labels      = local.labels
    annotations = local.annotations
  }
  spec {
    replicas = 1
    selector {
      match_labels = { "spawnit/service-id" = var.service_id, "spawnit/container" = "service" }
    }
    strategy {
      type = "Recreate" # its claims are ReadWriteOnce
    }
    template {
      metadata {
        labels      = merge(local.labels, { "spawnit/container" = "service" })
        annotations = local.annotations
      }
      spec {
        # each sidecar's name resolves to its Service, as on docker's network
        dynamic "host_aliases" {
          for_each = kubernetes_service_v1.sidecar
          content {
            ip        = host_aliases.value.spec[0].cluster_ip
            hostnames = [host_aliases.key]
          }
        }
        container {
          name  = "service"
          image = var.image
          args  = length(local.command) > 0 ? local.command : null
          env_from {
            secret_ref {
              name = kubernetes_secret_v1.env.metadata[0].name
            }
          }
          dynamic "port" {
            for_each = toset(local.container_ports)
            content {
              container_port = port.value
              protocol       = "TCP"
            }
          }
          dynamic "port" {
            for_each = toset([for i, p in var.ports : local.container_ports[i] if contains(var.udp_ports, p)])
            content {
              container_port = port.value
              protocol       = "UDP"
            }
          }
          security_context {
            privileged = var.privileged
          }
          dynamic "readiness_probe" {
            for_each = length(local.probe) > 0 ? [local.probe] : []
            content {
              exec {
                command = readiness_probe.value
              }
              period_seconds    = 10
              timeout_seconds   = 5
              failure_threshold = 6
            }
          }
          dynamic "volume_mount" {
            for_each = length(local.files) > 0 ? [1] : []
            content {
              name       = "files"
              mount_path = local.files_path
              read_only  = true
            }
          }
          dynamic "volume_mount" {
            for_each = { for key, v in local.kept : key => v if v.container == "service" }
            content {
              name       = volume_mount.value.name
              mount_path = volume_mount.value.path
            }
          }
        }
        dynamic "volume" {
          for_each = length(local.files) > 0 ? [1] : []
          content {
            name = "files"
            secret {
              secret_name = kubernetes_secret_v1.files.metadata[0].name
            }
          }
        }
        dynamic "volume" {
          for_each = { for key, v in local.kept : key => v if v.container == "service" }
          content {
            name = volume.value.name
            persistent_volume_claim {
              claim_name = kubernetes_persistent_volume_claim_v1.kept[volume.key].metadata[0].name
            }
          }
        }
      }
    }
  }
  depends_on = [kubernetes_deployment_v1.sidecar]
}
