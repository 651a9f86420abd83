#!/bin/sh
# Builds nestedvirt and runs `nestedvirtctl status` (or the nestedvirtctl
# arguments given) against this machine, through the real daemon on a
# private, system-like D-Bus bus. Nothing is installed system-wide: the bus
# socket, its configuration and the daemon's log live in a temporary
# directory that is removed on exit.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${NV_BUILDDIR:-$srcdir/build}

"$srcdir/tools/install-deps.sh"

if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" "$srcdir" >/dev/null
fi
meson compile -C "$builddir" nestedvirtd nestedvirtctl >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nestedvirt.XXXXXX")
bus_pid=""
daemon_pid=""
cleanup() {
    # PID 1 may not reap orphans here: kill and wait for every child.
    for pid in $daemon_pid $bus_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# A bus configured like the system bus, with the project's own bus policy
# included, as installed.
. "$srcdir/tools/system-bus-config.sh"
nv_system_bus_config "$tmp/system_bus_socket" \
    "<include>$srcdir/policy/org.example.NestedVirt.conf</include>" >"$tmp/system-bus.conf"

if ! nv_start_system_bus "$tmp/system-bus.conf" "$tmp/bus.log"; then
    bus_pid=$nv_bus_pid
    echo "dev-status: the private dbus-daemon did not start (its log is above)" >&2
    exit 1
fi
bus_pid=$nv_bus_pid

"$builddir/service/nestedvirtd" --idle-timeout=0 2>"$tmp/daemon.log" &
daemon_pid=$!

if ! gdbus wait --system --timeout 10 org.example.NestedVirt; then
    echo "dev-status: nestedvirtd did not appear on the bus within 10 s:" >&2
    cat "$tmp/daemon.log" >&2
    exit 1
fi

if [ $# -eq 0 ]; then
    set -- status
fi
rc=0
"$builddir/client/nestedvirtctl" "$@" || rc=$?
exit $rc
