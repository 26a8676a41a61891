#!/usr/bin/env bash
# Stack 2: the Docker network every SpawnIt container joins.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
stack_apply network
