#!/bin/sh
# Builds nestedvirt and runs it against this machine, through the real
# daemon on a private, system-like D-Bus bus. Nothing is installed
# system-wide; the bus socket and its configuration live in a temporary
# directory that is removed at the end.
#
#   dev-status.sh [NESTEDVIRTCTL-ARGUMENTS]   runs `nestedvirtctl status` (or
#                  the arguments given), then stops the bus and the daemon
#   dev-status.sh --keep    leaves them up until Ctrl-C or --stop, and
#                  prints DBUS_SYSTEM_BUS_ADDRESS and commands to paste
#   dev-status.sh --stop    stops the bus and daemon of a --keep
#
# The daemon's and the bus's logs stay in BUILDDIR/dev-status/ (or
# BUILDDIR/dev-status-keep/) after the end, and are printed when something
# fails. PID 1 may not reap orphans here, so this script is the parent of
# the bus and the daemon and waits for them; with --keep it stays in the
# foreground as their supervisor (run it in a second terminal or with `&`)
# and --stop asks it to stop them.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${NV_BUILDDIR:-$srcdir/build}
mode=once
case "${1:-}" in
--keep | --stop)
    mode=${1#--}
    shift
    ;;
esac

keepdir=$builddir/dev-status-keep

# Whether $1 is the pid of a --keep supervisor that has not ended (a
# zombie left to a PID 1 that does not reap has ended).
supervisor_alive()
{
    [ -n "$1" ] && grep -q -- "dev-status.sh" "/proc/$1/cmdline" 2>/dev/null &&
        [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

kept_pid=$(cat "$keepdir/pid" 2>/dev/null || true)
if [ "$mode" = stop ]; then
    if ! supervisor_alive "$kept_pid"; then
        echo "dev-status: no --keep bus and daemon are running" >&2
        exit 1
    fi
    kill "$kept_pid"
    i=0
    while supervisor_alive "$kept_pid"; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            echo "dev-status: the --keep supervisor (pid $kept_pid) did not stop within 10 s" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "dev-status: stopped (logs in $keepdir)"
    exit 0
fi
if [ "$mode" = keep ] && supervisor_alive "$kept_pid"; then
    echo "dev-status: a --keep bus and daemon are already running (pid $kept_pid):" \
        "DBUS_SYSTEM_BUS_ADDRESS=$(cat "$keepdir/address"); $0 --stop stops them" >&2
    exit 1
fi

"$srcdir/tools/install-deps.sh" run

if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" "$srcdir" >/dev/null
fi
meson compile -C "$builddir" nestedvirtd nestedvirtctl >/dev/null

if [ "$mode" = keep ]; then
    logdir=$keepdir
else
    logdir=$builddir/dev-status
fi
mkdir -p "$logdir"
rm -f "$logdir/daemon.log" "$logdir/bus.log" "$logdir/pid" "$logdir/address"
# The socket's path must stay short (108 bytes), so not below the checkout.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nestedvirt.XXXXXX")
bus_pid=""
daemon_pid=""
cleanup()
{
    for pid in $daemon_pid $bus_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
    rm -f "$logdir/pid" "$logdir/address"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

print_logs()
{
    for log in "$logdir/daemon.log" "$logdir/bus.log"; do
        if [ -s "$log" ]; then
            echo "dev-status: $log:" >&2
            sed 's/^/  /' "$log" >&2
        fi
    done
}

# A bus configured like the system bus, with the project's own bus policy
# included, as installed.
. "$srcdir/tools/system-bus-config.sh"
nv_system_bus_config "$tmp/system_bus_socket" \
    "<include>$srcdir/policy/org.example.NestedVirt.conf</include>" >"$tmp/system-bus.conf"

if ! nv_start_system_bus "$tmp/system-bus.conf" "$logdir/bus.log"; then
    bus_pid=$nv_bus_pid
    echo "dev-status: the private dbus-daemon did not start (its log is above)" >&2
    exit 1
fi
bus_pid=$nv_bus_pid

"$builddir/service/nestedvirtd" --idle-timeout=0 2>"$logdir/daemon.log" &
daemon_pid=$!

if ! gdbus wait --system --timeout 10 org.example.NestedVirt; then
    echo "dev-status: nestedvirtd did not appear on the bus within 10 s" >&2
    print_logs
    exit 1
fi

if [ "$mode" = once ]; then
    if [ $# -eq 0 ]; then
        set -- status
    fi
    rc=0
    "$builddir/client/nestedvirtctl" "$@" || rc=$?
    if [ $rc -ne 0 ]; then
        print_logs
    fi
    exit $rc
fi

echo $$ >"$logdir/pid"
echo "$DBUS_SYSTEM_BUS_ADDRESS" >"$logdir/address"
dest="org.example.NestedVirt /org/example/NestedVirt"
cat <<EOF
nestedvirtd (pid $daemon_pid) is up on a private system bus (dbus-daemon pid $bus_pid),
reading this machine. Their logs: $logdir/daemon.log, bus.log.
In another shell, as root:

  export DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS
  $builddir/client/nestedvirtctl status
  busctl --system introspect $dest
  busctl --system call $dest org.example.NestedVirt GetStatus
  busctl --system get-property $dest org.example.NestedVirt NestedEnabled
  gdbus call --system --dest org.example.NestedVirt --object-path /org/example/NestedVirt \\
      --method org.example.NestedVirt.GetStatus
  gdbus monitor --system --dest org.example.NestedVirt

(busctl comes with the systemd package.) To stop both: Ctrl-C here, or
  $0 --stop
EOF

# Until the daemon ends (it does when the bus goes away) or a signal
# arrives, which interrupts the wait and runs cleanup.
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=""
echo "dev-status: nestedvirtd exited (status $rc)" >&2
print_logs
exit 1
