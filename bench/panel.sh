#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the settings app costs: the time from its start to a window showing
# the service's data, its resident memory once idle, and its wakeups while
# idle (context switches of all its threads; the target is none: it follows
# PropertiesChanged and never polls). Prints one table (BENCHMARKS.md,
# "Panel", explains it).
#
#   bench/panel.sh [--quick] [BUILDDIR]
#
# BUILDDIR defaults to build-bench (set up with --buildtype=release if it
# does not exist). --quick does fewer starts and a shorter idle period, for
# CI: figures are printed, nothing is asserted. The panel runs on Xvfb with
# a private session bus, against nestedvirtd (reading the real host, with
# --idle-timeout=0) on a private system-like bus; all are children of this
# script, stopped on exit. GTK's accessibility bridge is off (GTK_A11Y=none):
# its bus would be a daemon this script cannot reap.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$srcdir/bench/lib.sh"
bench_parse_args "$@"

if $quick; then
    starts=3 idle_seconds=3
else
    starts=10 idle_seconds=10
fi

bench_fail()
{
    echo "bench/panel: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || bench_fail "must run as root (the daemon owns a system bus name)"
for program in dbus-daemon Xvfb; do
    command -v "$program" >/dev/null 2>&1 || bench_fail "$program is not installed (tools/install-deps.sh)"
done

if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" "$srcdir" --buildtype=release >/dev/null
fi
meson compile -C "$builddir" nestedvirtd nestedvirt-settings >/dev/null ||
    bench_fail "cannot build nestedvirt-settings (is -Dpanel off, or GTK 4.8 / libadwaita 1.2 missing?)"
daemon=$builddir/service/nestedvirtd
panel=$builddir/panel/nestedvirt-settings

bench_children_init nestedvirt-bench-panel

now_us()
{
    echo $(($(date +%s%N) / 1000))
}

# Xvfb picks a free display and says which on descriptor 3.
mkfifo "$tmp/display"
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -ac -noreset 3>"$tmp/display" 2>"$tmp/xvfb.log" &
pids="$pids $!"
read -r display <"$tmp/display" || bench_fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
export DISPLAY=":$display"

# A session bus, as a desktop has (GApplication registers its name there).
mkfifo "$tmp/session"
dbus-daemon --session --nofork --nopidfile --address="unix:dir=$tmp" --print-address=3 \
    3>"$tmp/session" 2>"$tmp/session.log" &
pids="$pids $!"
read -r DBUS_SESSION_BUS_ADDRESS <"$tmp/session" || bench_fail "the session bus did not start"
export DBUS_SESSION_BUS_ADDRESS

# shellcheck source=tools/system-bus-config.sh
. "$srcdir/tools/system-bus-config.sh"
nv_system_bus_config "$tmp/system" "<include>$srcdir/policy/org.example.NestedVirt.conf</include>" \
    >"$tmp/system.conf"
nv_start_system_bus "$tmp/system.conf" "$tmp/system.log" || bench_fail "the system bus did not start"
pids="$pids $nv_bus_pid"

"$daemon" --idle-timeout=0 >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
pids="$pids $daemon_pid"
# Owned once GetStatus answers through the name.
i=0
until busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" call org.example.NestedVirt /org/example/NestedVirt \
    org.example.NestedVirt GetStatus >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || bench_fail "nestedvirtd did not start: $(cat "$tmp/daemon.log")"
    kill -0 "$daemon_pid" 2>/dev/null || bench_fail "nestedvirtd exited: $(cat "$tmp/daemon.log")"
    sleep 0.1
done

export GDK_BACKEND=x11 GSK_RENDERER=cairo GTK_A11Y=none GSETTINGS_BACKEND=memory
export G_MESSAGES_DEBUG=nestedvirt-settings

# Starts the panel, waits (reading its log through a FIFO, no polling)
# for its first shown status, sets panel_pid and panel_start_us.
start_panel()
{
    rm -f "$tmp/panel.fifo"
    mkfifo "$tmp/panel.fifo"
    started=$(now_us)
    "$panel" >"$tmp/panel.fifo" 2>&1 &
    panel_pid=$!
    pids="$pids $panel_pid"
    shown=""
    while read -r line; do
        case $line in
        *"Showing the service's status"*)
            shown=$(now_us)
            break
            ;;
        esac
    done <"$tmp/panel.fifo"
    [ -n "$shown" ] || bench_fail "the panel exited before it showed the status"
    # Keep its log drained.
    cat "$tmp/panel.fifo" >/dev/null &
    pids="$pids $!"
    panel_start_us=$((shown - started))
}

# The context switches of all threads of $1 so far.
switches()
{
    total=0
    for status in /proc/"$1"/task/*/status; do
        n=$(awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { s += $2 } END { print s + 0 }' "$status")
        total=$((total + n))
    done
    echo "$total"
}

start_times=""
for _ in $(seq "$starts"); do
    start_panel
    start_times="$start_times $panel_start_us"
    bench_stop "$panel_pid"
done
median_start=$(printf '%s\n' $start_times | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
max_start=$(printf '%s\n' $start_times | sort -n | tail -n 1)

# Idle: started, settled (one second for the first frames and the
# ListDomains answer), then left alone.
start_panel
# A fixed settling time, not a wait for a state: this measures, asserts nothing.
sleep 1
before=$(switches "$panel_pid")
sleep "$idle_seconds"
after=$(switches "$panel_pid")
rss_kb=$(awk '/^VmRSS:/ { print $2 }' /proc/"$panel_pid"/status)
threads=$(ls /proc/"$panel_pid"/task | wc -l)
bench_stop "$panel_pid"

printf '%-44s %12s\n' "nestedvirt-settings ($starts starts)" "figure"
printf '%-44s %10.1f ms\n' "start to the service's data shown, median" "$(echo "$median_start / 1000" | bc -l)"
printf '%-44s %10.1f ms\n' "start to the service's data shown, worst" "$(echo "$max_start / 1000" | bc -l)"
printf '%-44s %10s kB\n' "resident memory, idle" "$rss_kb"
printf '%-44s %12s\n' "threads" "$threads"
printf '%-44s %12s\n' "wakeups in ${idle_seconds} s idle (target 0)" "$((after - before))"
