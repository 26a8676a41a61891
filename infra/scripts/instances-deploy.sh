#!/usr/bin/env bash
# Stack 3: MinIO, Keycloak and the SpawnIt API containers; returns once MinIO and
# Keycloak are healthy (the API becomes healthy after the configs stack made its bucket).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need TF_VAR_minio_root_user TF_VAR_minio_root_password TF_VAR_keycloak_admin_password TF_VAR_spawnit_secret_key
stack_apply instances
wait_healthy spawnit-minio
wait_healthy spawnit-keycloak
