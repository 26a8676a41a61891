#!/usr/bin/env bash
# Stack 1: the persistent Docker volumes (MinIO's data, Keycloak's data, SpawnIt's work dirs).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
stack_apply volumes
