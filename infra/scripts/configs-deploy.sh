#!/usr/bin/env bash
# Stack 4: MinIO's buckets, folders, catalog and templates; Keycloak's realm, roles,
# clients and default users. Returns once the SpawnIt API and worker are healthy.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need TF_VAR_minio_root_user TF_VAR_minio_root_password TF_VAR_keycloak_admin_password
wait_http "${SPAWNIT_MINIO_URL}/minio/health/live"
stack_apply configs
wait_healthy spawnit-api
wait_healthy spawnit-worker
wait_http "${SPAWNIT_API_URL}/healthz"
