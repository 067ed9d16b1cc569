#!/usr/bin/env bash
# Runs the fan-out benchmark (docs/BENCHMARKS.md): natter-server in both threading modes, Redis
# pub/sub and the generator's own ceiling, for N = 10, 100, 1,000 and 10,000 clients. Installs
# what it needs (redis-server among it), builds, and prints the capacity table at the end.
# Extra arguments go to natter-bench (try --help), e.g. scripts/bench.sh --clients 100,1000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh redis-server
scripts/build.sh default >/dev/null
# Debian starts a redis-server service on install; the benchmark runs its own on a free port,
# and a busy system one would only add noise.
if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
    echo "natter-bench: note: the redis-server service is running and may add noise" >&2
fi
exec build/default/bench/natter-bench "$@"
