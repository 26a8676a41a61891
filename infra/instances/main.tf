terraform {
  required_version = ">= 1.10"

  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "~> 3.0"
    }
  }

  # State: in MinIO, key infra/instances.tfstate of the state bucket (settings given by
  # infra/scripts/lib.sh as -backend-config). Before MinIO exists, the scripts add a
  # local-backend override and later migrate the state: see infra/README.md.
  backend "s3" {}
}

provider "docker" {
  host = var.docker_host
}

locals {
  keycloak_host = regex("^https?://([^:/]+)", var.keycloak_url)[0]
  issuer        = "${var.keycloak_url}/realms/${var.realm}"
  labels        = merge(var.labels, { stack = "instances" })
  # what the API and the worker share: the bucket, Redis, the issuer, the sealing key
  spawnit_env = {
    SPAWNIT_HOST          = "0.0.0.0"
    SPAWNIT_REDIS_URL     = "redis://:${urlencode(var.redis_password)}@redis:6379/0"
    SPAWNIT_STORE         = "s3"
    SPAWNIT_S3_BUCKET     = var.data_bucket
    SPAWNIT_S3_ENDPOINT   = "http://minio:9000"
    SPAWNIT_S3_PATH_STYLE = "true"
    AWS_ACCESS_KEY_ID     = var.minio_root_user
    AWS_SECRET_ACCESS_KEY = var.minio_root_password
    SPAWNIT_OIDC_ISSUER   = local.issuer
    SPAWNIT_OIDC_AUDIENCE = var.api_audience
    SPAWNIT_ADMIN_ROLE    = var.admin_role
    SPAWNIT_SECRET_KEY    = var.spawnit_secret_key
    SPAWNIT_LOG_FORMAT    = "json"
    # docker services publish on every interface of the Docker host (the API's own port
    # stays on 127.0.0.1: var.ports)
    SPAWNIT_DOCKER_PUBLISH_ADDRESS = var.docker_publish_address
  }
  # the aws target's credentials reach both: the API offers the target, the worker runs its jobs
  api_env    = merge(local.aws_target_env, local.spawnit_env, { SPAWNIT_ROLE = "api" })
  worker_env = merge(local.aws_target_env, local.spawnit_env, { SPAWNIT_ROLE = "worker" })

  # the aws target's own credentials, from the operator's environment (infra/README.md),
  # never MinIO's: SpawnIt hands them to aws jobs only; the store keeps AWS_ACCESS_KEY_ID
  aws_target_env = { for name, value in {
    SPAWNIT_AWS_ACCESS_KEY_ID     = var.aws_target_access_key_id
    SPAWNIT_AWS_SECRET_ACCESS_KEY = var.aws_target_secret_access_key
    SPAWNIT_AWS_REGION            = var.aws_target_region
  } : name => value if can(regex(".", value)) } # (no operator here: see tests/modules/tfconfig.py)
}

# the network and volumes made by the earlier stacks, found by name
data "docker_network" "spawnit" {
  name = var.network_name
}

module "minio" {
  source = "../modules/instance"

  name    = "spawnit-minio"
  image   = var.images.minio
  command = ["server", "/data", "--console-address", ":9001"]
  env = {
    MINIO_ROOT_USER     = var.minio_root_user
    MINIO_ROOT_PASSWORD = var.minio_root_password
  }
  network     = data.docker_network.spawnit.name
  aliases     = ["minio"]
  ports       = [{ internal = 9000, external = var.ports.minio }, { internal = 9001, external = var.ports.minio_console }]
  volumes     = [{ volume_name = var.volumes.minio, container_path = "/data" }]
  healthcheck = ["CMD", "mc", "ready", "local"]
  labels      = local.labels
}

module "keycloak" {
  source = "../modules/instance"

  name    = "spawnit-keycloak"
  image   = var.images.keycloak
  command = ["start-dev", "--http-port=8080"]
  env = {
    KC_BOOTSTRAP_ADMIN_USERNAME = var.keycloak_admin_user
    KC_BOOTSTRAP_ADMIN_PASSWORD = var.keycloak_admin_password
    KC_HEALTH_ENABLED           = "true"
    # tokens name this issuer whoever asks: browsers and the API use the same URL
    KC_HOSTNAME = var.keycloak_url
  }
  network = data.docker_network.spawnit.name
  # the issuer's host name resolves to Keycloak inside the network too
  aliases     = distinct(["keycloak", local.keycloak_host])
  ports       = [{ internal = 8080, external = var.ports.keycloak }]
  volumes     = [{ volume_name = var.volumes.keycloak, container_path = "/opt/keycloak/data" }]
  healthcheck = ["CMD-SHELL", "exec 3<>/dev/tcp/127.0.0.1/9000 && printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q UP <&3"]
  labels      = local.labels
}

module "redis" {
  source = "../modules/instance"

  name = "spawnit-redis"
  # append-only: queued jobs, leases and log streams survive a restart; not published
  image      = var.images.redis
  entrypoint = ["sh", "-c"]
  command    = ["exec redis-server --appendonly yes --requirepass \"$REDIS_PASSWORD\""]
  env = {
    REDIS_PASSWORD = var.redis_password
  }
  network     = data.docker_network.spawnit.name
  aliases     = ["redis"]
  volumes     = [{ volume_name = var.volumes.redis, container_path = "/data" }]
  healthcheck = ["CMD-SHELL", "redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning ping | grep -q PONG"]
  labels      = local.labels
}

module "api" {
  source = "../modules/instance"

  name    = "spawnit-api"
  image   = var.images.api
  env     = local.api_env
  network = data.docker_network.spawnit.name
  aliases = ["spawnit-api"]
  ports   = [{ internal = 8000, external = var.ports.api }]
  volumes = [{ volume_name = var.volumes.api, container_path = "/var/lib/spawnit" }]
  # the catalog offers the docker target when the daemon answers: the API pings it too
  host_paths  = local.docker_paths
  group_add   = local.docker_groups
  healthcheck = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
  labels      = local.labels

  depends_on = [module.minio, module.keycloak, module.redis]
}

# runs the jobs and drift checks (the engines); serves /healthz, /readyz and /metrics only
# (the docker target deploys services through the host's Docker daemon: docker_socket)
module "worker" {
  source = "../modules/instance"

  name        = "spawnit-worker"
  image       = var.images.api
  entrypoint  = ["spawnit", "worker"]
  env         = local.worker_env
  network     = data.docker_network.spawnit.name
  volumes     = [{ volume_name = var.volumes.worker, container_path = "/var/lib/spawnit" }]
  host_paths  = local.docker_paths
  group_add   = local.docker_groups
  healthcheck = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
  labels      = local.labels

  depends_on = [module.minio, module.keycloak, module.redis]
}

output "containers" {
  description = "Container names by role."
  value = {
    minio    = module.minio.name
    keycloak = module.keycloak.name
    redis    = module.redis.name
    api      = module.api.name
    worker   = module.worker.name
  }
}

output "oidc_issuer" {
  description = "The issuer SpawnIt checks tokens against."
  value       = local.issuer
}

# after the module calls: tests/modules/tfconfig.py reads a call's source at the loader's
# byte offsets, which a conditional expression earlier in the file would shift
locals {
  # the docker target deploys services through the host's Docker daemon (root-equivalent:
  # leave docker_socket empty to run SpawnIt without it)
  docker_paths  = var.docker_socket == "" ? [] : [{ host_path = var.docker_socket, container_path = "/var/run/docker.sock" }]
  docker_groups = var.docker_socket == "" ? [] : [var.docker_gid]
}
