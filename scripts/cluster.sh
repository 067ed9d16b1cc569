#!/usr/bin/env bash
# A Natter cluster on this machine, to try cluster mode: PostgreSQL and Redis from Debian's
# packages, started in a temporary directory (no system service is used or changed), and three
# natter-server processes sharing them on ports 9991, 9992 and 9993. Ctrl+C stops everything and
# removes the directory. Extra arguments go to every natter-server.
# With --run, no servers are started: the command runs with NATTER_DB and NATTER_REDIS set to
# the database and Redis, and everything stops when it ends (the benchmark uses it:
# scripts/cluster.sh --run build/default/bench/natter-bench --targets cluster1,cluster3).
# Usage: scripts/cluster.sh [--nodes N] [--base-port P] [natter-server options...]
#        scripts/cluster.sh --run COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=3
base=9991
run=
while [ $# -gt 0 ]; do
    case "$1" in
        --nodes) nodes=$2; shift 2 ;;
        --base-port) base=$2; shift 2 ;;
        --run) run=1; shift; break ;;
        *) break ;;
    esac
done
scripts/build.sh default

pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/natter-cluster-XXXXXX)
pids=()
stop() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    as_db "$pgbin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT INT TERM

# PostgreSQL refuses to run as root: then it runs as a dedicated system user.
as_db() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
    id natter-db >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin natter-db
    chown natter-db "$dir"
    as_db() { runuser -u natter-db -- "$@"; }
fi

# The first port from $1 on that nothing uses. Below the kernel's ephemeral range (32768 up), so
# that no client connection is holding it.
free_port() {
    local p=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null \
        || { command -v ss >/dev/null && [ -n "$(ss -Htan "( sport = :$p )")" ]; }; do
        p=$((p + 1))
    done
    echo "$p"
}
pgport=$(free_port 25432)
redisport=$(free_port 26379)

echo "natter-cluster: PostgreSQL on 127.0.0.1:$pgport, Redis on 127.0.0.1:$redisport, files in $dir"
as_db "$pgbin/initdb" -D "$dir/pg" -U natter -A trust -E UTF8 --locale C >"$dir/initdb.log"
as_db "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-p $pgport -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
as_db "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U natter natter
redis-server --port "$redisport" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    >"$dir/redis.log" 2>&1 &
pids+=($!)

db="postgresql://natter@127.0.0.1:$pgport/natter"
if [ -n "$run" ]; then
    NATTER_DB=$db NATTER_REDIS="redis://127.0.0.1:$redisport" "$@"
    exit
fi
for ((i = 0; i < nodes; i++)); do
    port=$((base + i))
    build/default/server/natter-server --port "$port" --db "$db" \
        --cluster "redis://127.0.0.1:$redisport" "$@" 2> >(sed "s/^/[node $port] /" >&2) &
    pids+=($!)
done
cat <<MSG

natter-cluster: $nodes servers, one chat. Connect to any of them:
  nc 127.0.0.1 $base                              (plain text; another terminal: nc 127.0.0.1 $((base + 1)))
  build/default/client/natter --host 127.0.0.1 --port $((base + 1)) --name bob
The database is $db, Redis redis://127.0.0.1:$redisport. Ctrl+C stops the cluster.

MSG
wait "${pids[@]}"
