#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Stands in for dbus-daemon when GLib's GTestDBus starts one (it runs
# $G_TEST_DBUS_DAEMON --print-address[=FD] --config-file=...): instead of a new
# session bus, it hands GTestDBus the address of the private system-like
# bus the test already runs (nv-test-bus.h), so that libglib-testing's
# GtDBusQueue, which always goes through GTestDBus, serves its mock there.
#
# It records its pid for the test to reap, prints the address as
# dbus-daemon would, then waits for the SIGTERM with which GTestDBus stops
# "its" bus; the real bus is the test harness's to stop.
set -eu
: "${NV_TEST_ATTACH_ADDRESS:?the address of the bus to attach to}"
: "${NV_TEST_ATTACH_PID_FILE:?where to write the pid}"
# dbus-daemon prints its address on the descriptor --print-address names,
# or on stdout.
fd=1
for arg; do
    case $arg in
    --print-address=*) fd=${arg#--print-address=} ;;
    esac
done
case $fd in
'' | *[!0-9]*)
    echo "$0: bad --print-address descriptor '$fd'" >&2
    exit 1
    ;;
esac
echo "$$" >"$NV_TEST_ATTACH_PID_FILE"
# Through /proc: a POSIX shell's redirections only reach descriptors 0-9.
printf '%s\n' "$NV_TEST_ATTACH_ADDRESS" >"/proc/self/fd/$fd"
exec sleep infinity
