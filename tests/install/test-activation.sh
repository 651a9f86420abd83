#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# D-Bus activation through the installed activation file: the first call
# starts the installed nestedvirtd, it exits after its idle timeout, and
# the next call starts it again (a new process).
#
# How the bus starts it here. On a real system bus (<type>system</type>
# with <servicehelper>), dbus-daemon does not exec Exec= itself: the setuid
# dbus-daemon-launch-helper does, and that helper finds the .service file
# through the directories of its own, compiled-in configuration
# (/usr/share/dbus-1/system.conf), never through ours. So this bus is
# type=system (its activation rules: the file must be named after the
# bus name, DBUS_SYSTEM_BUS_ADDRESS and DBUS_STARTER_* are set for the
# child) but has no <servicehelper>: dbus-daemon then forks and execs
# Exec= directly, as its own user, root; User=root is what the helper
# would have used. Without --systemd-activation, SystemdService= is
# ignored, as on a host without systemd.
#
# The activation file is the installed one with only Exec= changed: the
# installed daemon below DESTDIR instead of its host path, plus a fake host
# root and a short idle timeout. The file name stays the same.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"

nv_require_root "only root may own org.example.NestedVirt on a bus with the installed policy"
nv_require_program dbus-daemon
nv_require_program busctl
nv_require_test_user
nv_install

installed=$(nv_installed "$NV_DBUS_SYSTEM_SERVICES_DIR")/org.example.NestedVirt.service
[ -f "$installed" ] || nv_fail "no activation file at $NV_DBUS_SYSTEM_SERVICES_DIR"
exec_line=$(sed -n 's/^Exec=//p' "$installed")
[ "$exec_line" = "$NV_LIBEXECDIR/nestedvirtd" ] ||
    nv_fail "the activation file's Exec=$exec_line is not $NV_LIBEXECDIR/nestedvirtd"
daemon=$(nv_installed "$exec_line")
[ -x "$daemon" ] || nv_fail "Exec=$exec_line is not an installed executable"
nv_ok "the installed activation file runs $exec_line, which is installed"
grep -qx 'SystemdService=nestedvirtd.service' "$installed" ||
    nv_fail "the activation file does not name nestedvirtd.service"
[ -f "$(nv_installed "$NV_SYSTEMD_SYSTEM_UNIT_DIR")/nestedvirtd.service" ] ||
    nv_fail "SystemdService=nestedvirtd.service is not installed"
nv_ok "the activation file's SystemdService=nestedvirtd.service is installed"

nv_make_fake_host "$nv_tmp/host"
mkdir "$nv_tmp/services"
sed "s|^Exec=.*|Exec=$daemon --root=$nv_tmp/host --idle-timeout=2|" "$installed" \
    >"$nv_tmp/services/org.example.NestedVirt.service"

chmod 0711 "$nv_tmp"
mkdir -m 0755 "$nv_tmp/bus"
nv_write_bus_config "$nv_tmp/bus.conf" "$nv_tmp/bus/socket" \
    "<servicedir>$nv_tmp/services</servicedir>"
nv_start_bus "$nv_tmp/bus.conf"

nv_name_has_owner org.example.NestedVirt && nv_fail "org.example.NestedVirt has an owner before any call"

get_status()
{
    busctl --system call org.example.NestedVirt /org/example/NestedVirt \
        org.example.NestedVirt GetStatus >"$nv_tmp/status" 2>&1
}

# Any user may activate the service by calling it, as `nestedvirtctl
# status` does on a host.
if ! nv_as_user busctl --system call org.example.NestedVirt /org/example/NestedVirt \
    org.example.NestedVirt GetStatus >"$nv_tmp/status" 2>&1; then
    cat "$nv_tmp/status" "$nv_tmp/bus.log" >&2
    nv_fail "the first GetStatus (as $NV_TEST_USER) did not activate the daemon"
fi
first=$(nv_name_pid org.example.NestedVirt)
[ -n "$first" ] || nv_fail "no process owns org.example.NestedVirt after the first call"
tr '\0' ' ' <"/proc/$first/cmdline" | grep -q "^$daemon " ||
    nv_fail "org.example.NestedVirt is owned by something else: $(tr '\0' ' ' <"/proc/$first/cmdline")"
nv_ok "the first call (as $NV_TEST_USER) activated the installed nestedvirtd, pid $first"

if ! nv_wait_until 15 sh -c "! kill -0 $first"; then
    nv_fail "nestedvirtd (pid $first) did not exit within 15 s of its 2 s idle timeout"
fi
nv_name_has_owner org.example.NestedVirt && nv_fail "org.example.NestedVirt still has an owner after the daemon exited"
nv_ok "nestedvirtd exited after its idle timeout and released the name"

get_status || { cat "$nv_tmp/status" "$nv_tmp/bus.log" >&2; nv_fail "the second GetStatus failed"; }
second=$(nv_name_pid org.example.NestedVirt)
if [ -z "$second" ] || [ "$second" = "$first" ]; then
    nv_fail "the second call did not start a new daemon (pids: $first, ${second:-none})"
fi
nv_ok "the next call activated it again, pid $second"

# Let it go the same way, so that nothing outlives the bus: its parent is
# dbus-daemon, not this script.
nv_wait_until 15 sh -c "! kill -0 $second" ||
    nv_fail "nestedvirtd (pid $second) did not exit after its idle timeout"
nv_ok "the second instance exited after its idle timeout too"
