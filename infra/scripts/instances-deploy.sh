#!/usr/bin/env bash
# Stack 3: MinIO, Keycloak, Redis, the SpawnIt API and worker containers; returns once
# MinIO, Keycloak and Redis are healthy (the API and the worker become healthy after the
# configs stack made their bucket).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need TF_VAR_minio_root_user TF_VAR_minio_root_password TF_VAR_keycloak_admin_password TF_VAR_spawnit_secret_key \
  TF_VAR_redis_password
# the aws target's credentials: the operator's SPAWNIT_AWS_* (lib.sh puts MinIO's keys
# in AWS_ACCESS_KEY_ID for the state backend: those are never the aws target's)
export TF_VAR_aws_target_access_key_id="${SPAWNIT_AWS_ACCESS_KEY_ID:-}"
export TF_VAR_aws_target_secret_access_key="${SPAWNIT_AWS_SECRET_ACCESS_KEY:-}"
export TF_VAR_aws_target_region="${SPAWNIT_AWS_REGION:-}"
stack_apply instances
wait_healthy spawnit-minio
wait_healthy spawnit-keycloak
wait_healthy spawnit-redis
