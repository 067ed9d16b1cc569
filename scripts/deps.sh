#!/usr/bin/env bash
# Installs the Debian 12 packages Natter needs to build, test and run, if any are missing.
# Safe to run repeatedly: it only calls apt-get when something is absent.
set -euo pipefail

packages=(
    build-essential cmake ninja-build clang-format pkg-config
    qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite libgl-dev tzdata
    libsodium-dev qtkeychain-qt6-dev
    libsqlite3-dev
    # --metrics: Qt HTTP Server, whose CMake package also needs the WebSockets one.
    qt6-httpserver-dev qt6-websockets-dev
)
# PostgreSQL, for --db postgresql://...: Qt's driver to run with it, and the server itself, which
# the PostgreSQL store tests start on their own in a temporary directory (no system service).
packages+=(libqt6sql6-psql postgresql)
# Cluster mode (--cluster redis://...): hiredis, and a Redis server for the tests to start.
packages+=(libhiredis-dev redis-server)
# What the desktop client needs at run time besides Qt: a colour emoji font, for emoji in
# messages and the faces on Smile and Frown (without one, messages show boxes where emoji are and
# the buttons fall back to ":-)" and ":-("). Packages built with cpack depend on it too.
packages+=(fonts-noto-color-emoji)
# The server tells systemd when it is ready (libsystemd). The packaging test checks the service
# with systemd-analyze and systemd-sysusers (systemd) and the menu entry with
# desktop-file-validate (desktop-file-utils); dpkg-shlibdeps comes with build-essential.
packages+=(libsystemd-dev systemd desktop-file-utils)
# Extra packages for a caller that needs them (e.g. xvfb for screenshots).
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
# promtool, which the metrics test checks /metrics with, comes in Debian's prometheus package;
# installing that would also start a Prometheus server, so only the tool is taken from it.
need_promtool=0
command -v promtool >/dev/null || need_promtool=1
[ ${#missing[@]} -eq 0 ] && [ $need_promtool -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "natter: need root (or sudo) to install: ${missing[*]} promtool" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
    echo "natter: installing missing packages: ${missing[*]}" >&2
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ $need_promtool -eq 1 ]; then
    echo "natter: installing promtool (from Debian's prometheus package) in /usr/local/bin" >&2
    download=$(mktemp -d)
    chmod 0777 "$download" # apt-get download fetches as the user _apt
    (cd "$download" && apt-get download -qq prometheus)
    dpkg-deb --fsys-tarfile "$download"/prometheus_*.deb \
        | "${sudo[@]}" tar -x -C /usr/local/bin --strip-components=3 ./usr/bin/promtool
    rm -rf "$download"
fi
