#!/usr/bin/env bash
# Installs what is missing, builds, and runs the Natter server in the foreground. When a
# display is available it also opens the desktop client, connected to that server as $USER.
# Extra arguments go to natter-server (try --help); Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
display=${DISPLAY:-}${WAYLAND_DISPLAY:-}
scripts/build.sh default # installs what is missing first, the client's emoji font included

port=9990
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --port|-p) port=${args[i + 1]:-$port} ;;
        --port=*) port=${args[i]#--port=} ;;
        --help|-h|--version|-v) display= ;; # just asking: no window
    esac
done

if [ -n "$display" ] && [ "$port" != 0 ]; then
    # A valid chat name from the login name (letters, digits, _ - . and at most 32 of them).
    name=$(printf '%s' "${USER:-$(id -un)}" | tr -cd 'A-Za-z0-9_.-' | cut -c1-32)
    # The client retries until the server below is listening.
    build/default/client/natter --host 127.0.0.1 --port "$port" --name "${name:-me}" &
fi
exec build/default/server/natter-server "$@"
