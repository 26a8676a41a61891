#!/usr/bin/env bash
# The whole SpawnIt deployment, in order, each step waiting for health (not for a fixed
# time); then every stack's state moves into MinIO (see lib.sh and infra/README.md).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
here="$(dirname "$0")"
"${here}/volumes-deploy.sh"
"${here}/network-deploy.sh"
"${here}/instances-deploy.sh"
"${here}/configs-deploy.sh"
for stack in volumes network instances configs; do
  migrate_to_minio "${stack}"
done
log "SpawnIt is up: ${SPAWNIT_API_URL}/graphql (states in ${SPAWNIT_STATE_BUCKET}/infra/)"
