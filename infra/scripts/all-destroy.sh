#!/usr/bin/env bash
# Tear SpawnIt down in reverse order. The states first move out of MinIO (which is about
# to go) into infra/.state/, then configs, instances, network and volumes are destroyed.
# SpawnIt's bucket is kept unless TF_VAR_destroy_data=true (a destroy fails on a bucket
# that still holds services' data).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need TF_VAR_minio_root_user TF_VAR_minio_root_password TF_VAR_keycloak_admin_password TF_VAR_spawnit_secret_key
for stack in configs instances network volumes; do
  migrate_to_local "${stack}"
done
for stack in configs instances network volumes; do
  stack_destroy "${stack}"
done
for stack in configs instances network volumes; do
  rm -f "${INFRA_DIR}/${stack}/${OVERRIDE_NAME}"
done
log "SpawnIt is gone; bootstrap states kept in ${STATE_DIR} (empty stacks)"
