#!/usr/bin/env bash
# Stack 3: MinIO, Keycloak, Redis, the SpawnIt API and worker containers; returns once
# MinIO, Keycloak and Redis are healthy (the API and the worker become healthy after the
# configs stack made their bucket).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need TF_VAR_minio_root_user TF_VAR_minio_root_password TF_VAR_keycloak_admin_password TF_VAR_spawnit_secret_key \
  TF_VAR_redis_password
stack_apply instances
wait_healthy spawnit-minio
wait_healthy spawnit-keycloak
wait_healthy spawnit-redis
