#!/usr/bin/env bash
# Installs what is missing, builds, and runs the Natter server in the foreground.
# Extra arguments go to natter-server (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh default
exec build/default/server/natter-server "$@"
