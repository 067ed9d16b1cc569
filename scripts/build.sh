#!/usr/bin/env bash
# Configures and builds Natter with a CMake preset (default: "default", RelWithDebInfo).
# Usage: scripts/build.sh [preset]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
scripts/deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j2
