#!/usr/bin/env bash
# The Debian packages as `cpack -G DEB` makes them from this build, checked as apt and systemd
# would see them: two packages with the right names, dependencies and conffiles; each file where
# it belongs; maintainer scripts that parse; a systemd unit that systemd-analyze verify accepts
# without a word; a sysusers file systemd-sysusers reads; a desktop entry that validates; and a
# configuration file whose every key is one of the server's options.
#
# Usage: check-packages.sh CPACK BUILD_DIR
# Everything happens in a temporary directory, removed on exit; nothing is installed.
set -euo pipefail

cpack=$1
build=$2

work=$(mktemp -d "${TMPDIR:-/tmp}/natter-packaging.XXXXXX")
trap 'rm -rf "$work"' EXIT

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# --- Building the packages -------------------------------------------------------------------
if ! "$cpack" -G DEB -B "$work/out" --config "$build/CPackConfig.cmake" >"$work/cpack.log" 2>&1; then
    cat "$work/cpack.log" >&2
    echo "FAIL: cpack -G DEB" >&2
    exit 1
fi
mapfile -t debs < <(find "$work/out" -maxdepth 1 -name '*.deb' | sort)
if [ "${#debs[@]}" -ne 2 ]; then
    cat "$work/cpack.log" >&2
    echo "FAIL: cpack made ${#debs[@]} packages, not 2: ${debs[*]}" >&2
    exit 1
fi
server_deb=$(find "$work/out" -maxdepth 1 -name 'natter-server_*.deb')
client_deb=$(find "$work/out" -maxdepth 1 -name 'natter_*.deb')
if [ -z "$server_deb" ] || [ -z "$client_deb" ]; then
    echo "FAIL: expected natter-server_*.deb and natter_*.deb, got: ${debs[*]}" >&2
    exit 1
fi
pass "cpack made $(basename "$server_deb") and $(basename "$client_deb")"

# --- Control fields --------------------------------------------------------------------------
field() { dpkg-deb --field "$1" "$2"; }

# expect_depends DEB PACKAGE...: each package is named in Depends, as a whole word.
expect_depends() {
    local deb=$1
    shift
    local depends
    depends=$(field "$deb" Depends)
    for package in "$@"; do
        if grep -Eq "(^|[ ,|])$package( |,|$)" <<<"$depends"; then
            pass "$(basename "$deb") depends on $package"
        else
            fail "$(basename "$deb") does not depend on $package: Depends: $depends"
        fi
    done
}

for check in "$server_deb natter-server" "$client_deb natter"; do
    read -r deb name <<<"$check"
    [ "$(field "$deb" Package)" = "$name" ] || fail "$(basename "$deb"): Package is not $name"
    [ "$(field "$deb" Section)" = net ] || fail "$(basename "$deb"): Section is not net"
    [ -n "$(field "$deb" Description)" ] || fail "$(basename "$deb"): no Description"
    long=$(field "$deb" Description | awk 'length > 80')
    [ -z "$long" ] || fail "$(basename "$deb"): Description lines over 80 columns: $long"
done
# Each package's synopsis is its own.
if [ "$(field "$server_deb" Description | head -1)" = "$(field "$client_deb" Description | head -1)" ]; then
    fail "both packages have the synopsis '$(field "$server_deb" Description | head -1)'"
fi

# From dpkg-shlibdeps (Qt, libsystemd, libsodium) and by hand (the SQLite driver, sysusers).
expect_depends "$server_deb" libqt6core6 libqt6network6 libqt6sql6 libsystemd0 libsodium23 \
    libqt6sql6-sqlite systemd
expect_depends "$client_deb" libqt6widgets6 libqt6gui6 fonts-noto-color-emoji
# The server needs no display, the client no database driver.
if grep -q 'libqt6widgets6\|libqt6gui6' <<<"$(field "$server_deb" Depends)"; then
    fail "natter-server depends on Qt's GUI libraries"
fi

# --- Maintainer scripts and conffiles --------------------------------------------------------
dpkg-deb --control "$server_deb" "$work/server-control"
conffiles=$(cat "$work/server-control/conffiles" 2>/dev/null || true)
if [ "$conffiles" = /etc/natter/natter-server.conf ]; then
    pass "natter-server's conffiles: $conffiles"
else
    fail "natter-server's conffiles are '$conffiles', not /etc/natter/natter-server.conf"
fi
for script in postinst prerm postrm; do
    path=$work/server-control/$script
    if [ ! -x "$path" ]; then
        fail "natter-server has no executable $script"
    elif ! sh -n "$path"; then
        fail "natter-server's $script is not valid sh"
    fi
done
grep -q 'systemd-sysusers' "$work/server-control/postinst" \
    || fail "natter-server's postinst does not make the user natter"
dpkg-deb --control "$client_deb" "$work/client-control"
for script in preinst postinst prerm postrm conffiles; do
    [ ! -e "$work/client-control/$script" ] || fail "natter has a $script it does not need"
done

# --- Contents --------------------------------------------------------------------------------
server_root=$work/server-root
client_root=$work/client-root
dpkg-deb --extract "$server_deb" "$server_root"
dpkg-deb --extract "$client_deb" "$client_root"

expect_file() {
    local root=$1 path=$2 test=${3:--f}
    if test "$test" "$root/$path"; then
        pass "$path"
    else
        fail "$(basename "$root"): no $path (test $test)"
    fi
}
unit=lib/systemd/system/natter-server.service
expect_file "$server_root" usr/bin/natter-server -x
expect_file "$server_root" "$unit"
expect_file "$server_root" etc/natter/natter-server.conf
expect_file "$server_root" usr/lib/sysusers.d/natter-server.conf
expect_file "$client_root" usr/bin/natter -x
expect_file "$client_root" usr/share/applications/natter.desktop
expect_file "$client_root" usr/share/icons/hicolor/scalable/apps/natter.svg
for size in 16 24 32 48 64 128 256; do
    expect_file "$client_root" "usr/share/icons/hicolor/${size}x${size}/apps/natter.png"
done
# Neither package carries the other's files (dpkg would refuse to install both).
[ ! -e "$server_root/usr/bin/natter" ] || fail "natter-server carries the client"
[ ! -e "$client_root/usr/bin/natter-server" ] || fail "natter carries the server"
if [ -e "$client_root/lib" ] || [ -e "$client_root/etc" ]; then
    fail "natter carries system files"
fi

# The packaged server runs (stripped, its libraries found on this machine).
if version=$("$server_root/usr/bin/natter-server" --version 2>&1); then
    pass "the packaged natter-server runs: $version"
else
    fail "the packaged natter-server --version failed: $version"
fi

# --- Installing, upgrading, removing, purging: in a throwaway root -----------------------------
# dpkg --root with --force-script-chrootless runs the maintainer scripts here with DPKG_ROOT
# set, which they honour: systemd-sysusers and deb-systemd-helper work inside that root, and the
# systemd running on this machine, if any, is left alone. The root has none of the packages'
# dependencies, hence --force-depends.
if [ "$(id -u)" -eq 0 ]; then
    root=$work/dpkg-root
    admin=$root/var/lib/dpkg
    mkdir -p "$admin/info" "$admin/updates" "$root/etc"
    touch "$admin/status"
    in_root() {
        dpkg --root="$root" --force-script-chrootless --force-depends "$@" >>"$work/dpkg.log" 2>&1 \
            || { cat "$work/dpkg.log" >&2; fail "dpkg --root $*"; }
    }
    failed_before=$failures
    installed_conf=$root/etc/natter/natter-server.conf
    wants=$root/etc/systemd/system/multi-user.target.wants/natter-server.service

    # Both at once: dpkg refuses two packages that ship the same file.
    in_root --install "$server_deb" "$client_deb"
    grep -q '^natter:x:[0-9]*:[0-9]*:[^:]*:/var/lib/natter:' "$root/etc/passwd" 2>/dev/null \
        || fail "the postinst made no user natter with its home in /var/lib/natter"
    grep -q '^natter:' "$root/etc/group" 2>/dev/null || fail "the postinst made no group natter"
    [ -L "$wants" ] || fail "the postinst did not enable natter-server.service"
    dpkg-query --admindir="$admin" --show --showformat='${Conffiles}\n' natter-server \
        | grep -q "^ /etc/natter/natter-server.conf [0-9a-f]\{32\}$" \
        || fail "dpkg did not register /etc/natter/natter-server.conf as a conffile"
    [ -x "$root/usr/bin/natter" ] || fail "natter did not install"

    # Installed again over itself, as an upgrade: an edited configuration stays as it is.
    echo 'port = 7000' >>"$installed_conf"
    in_root --force-confold --install "$server_deb"
    grep -qx 'port = 7000' "$installed_conf" || fail "reinstalling replaced the edited configuration"

    in_root --remove natter-server
    [ ! -e "$root/usr/bin/natter-server" ] || fail "removing left /usr/bin/natter-server"
    [ -e "$installed_conf" ] || fail "removing (not purging) deleted the configuration"
    in_root --purge natter-server natter
    [ ! -e "$installed_conf" ] || fail "purging left the configuration"
    if [ -e "$wants" ] || [ -e "$root/etc/systemd/system/natter-server.service" ]; then
        fail "purging left natter-server.service enabled or masked"
    fi
    [ ! -e "$root/usr/bin/natter" ] || fail "purging left the client"
    if [ "$failures" -eq "$failed_before" ]; then
        pass "install, reinstall, remove and purge in a throwaway root"
    fi
else
    echo "skipped: installing in a throwaway root (dpkg --root needs root)"
fi

# --- The configuration file: everything commented out, every key a real option ---------------
conf=$server_root/etc/natter/natter-server.conf
help=$("$server_root/usr/bin/natter-server" --help 2>&1 || true)
active=$(grep -Ev '^[[:space:]]*(;|$)' "$conf" || true)
[ -z "$active" ] || fail "natter-server.conf sets something (all should be commented out): $active"
keys=$(sed -nE 's/^;([a-z][a-z-]*) = .*/\1/p' "$conf")
[ "$(wc -w <<<"$keys")" -ge 20 ] || fail "natter-server.conf shows only $(wc -w <<<"$keys") settings"
for key in $keys; do
    grep -Eq -- "--$key( |$)" <<<"$help" || fail "natter-server.conf's '$key' is no option of natter-server"
done
pass "natter-server.conf: $(wc -w <<<"$keys") settings, all commented out, all options"

# --- The systemd unit ------------------------------------------------------------------------
# systemd-analyze verify checks that ExecStart's program exists and is executable, which
# /usr/bin/natter-server on this machine need not be: it verifies a copy whose ExecStart is the
# unpacked binary. The unit's name must stay natter-server.service, so the copy goes into a
# folder of its own. (With --root it would find the program in the unpacked tree, but it also
# looks there for the units every service pulls in, sysinit.target and the rest, and finds none.)
mkdir "$work/unit"
sed "s|^ExecStart=/usr/bin/natter-server|ExecStart=$server_root/usr/bin/natter-server|" \
    "$server_root/$unit" >"$work/unit/natter-server.service"
grep -q "^ExecStart=$server_root/" "$work/unit/natter-server.service" \
    || fail "the unit's ExecStart is not /usr/bin/natter-server"
# Any line about this unit is a warning; lines about the machine's own units are not ours.
verify=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$work/unit/natter-server.service" 2>&1) \
    || fail "systemd-analyze verify failed: $verify"
ours=$(grep -F 'natter-server' <<<"$verify" || true)
if [ -z "$ours" ]; then
    pass "systemd-analyze verify: no warning about natter-server.service"
else
    fail "systemd-analyze verify warns: $ours"
fi
# What the service must be, whatever else changes in the file.
# shellcheck disable=SC2016 # $MAINPID is for systemd to expand, not the shell
for setting in Type=notify User=natter Group=natter StateDirectory=natter ProtectSystem=strict \
    ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes LimitNOFILE=65536 Restart=on-failure \
    'ExecReload=/bin/kill -HUP $MAINPID' \
    'ExecStart=/usr/bin/natter-server --config /etc/natter/natter-server.conf'; do
    grep -qxF "$setting" "$server_root/$unit" || fail "the unit lacks $setting"
done

# --- The system user -------------------------------------------------------------------------
# systemd-sysusers reads the file as the postinst will, in an empty root: it would make natter.
sysusers=$(systemd-sysusers --dry-run --root="$work/sysusers-root" \
    "$server_root/usr/lib/sysusers.d/natter-server.conf" 2>&1) \
    || fail "systemd-sysusers rejects natter-server.conf: $sysusers"
if grep -q "natter" <<<"$sysusers" && ! grep -qi 'warn\|ignor\|invalid' <<<"$sysusers"; then
    pass "systemd-sysusers would make the user natter"
else
    fail "systemd-sysusers on natter-server.conf: $sysusers"
fi

# --- The desktop entry -----------------------------------------------------------------------
if command -v desktop-file-validate >/dev/null; then
    if validation=$(desktop-file-validate "$client_root/usr/share/applications/natter.desktop" 2>&1) \
        && [ -z "$validation" ]; then
        pass "desktop-file-validate: natter.desktop"
    else
        fail "desktop-file-validate: $validation"
    fi
else
    echo "skipped: desktop-file-validate (Debian desktop-file-utils) is not installed"
fi

echo "natter-server: $(du -k "$server_deb" | cut -f1) KiB, natter: $(du -k "$client_deb" | cut -f1) KiB"
if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
