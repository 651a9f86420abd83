#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed bus policy, on a private bus configured like the system
# bus that includes the installed system.d directory: root can own
# org.example.NestedVirt and an unprivileged user cannot; that user can
# use the four interfaces the daemon implements and nothing else.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"

nv_require_root "only root may own org.example.NestedVirt, and the test switches to an unprivileged user"
nv_require_program dbus-daemon
nv_require_program gdbus
nv_require_program busctl
nv_require_program setpriv
nv_require_test_user
nv_install

# The test user must reach the socket, nothing else of the tree.
chmod 0711 "$nv_tmp"
mkdir -m 0755 "$nv_tmp/bus"
nv_write_bus_config "$nv_tmp/bus.conf" "$nv_tmp/bus/socket"
nv_start_bus "$nv_tmp/bus.conf"

# Denials must come from dbus-daemon's policy, which says so, not from a
# daemon that happens to refuse.
expect_policy_denial()
{
    what=$1
    shift
    out=$("$@" 2>&1 || true)
    case $out in
    *org.freedesktop.DBus.Error.AccessDenied*"Rejected send message"* | \
        *org.freedesktop.DBus.Error.AccessDenied*"due to security policies"*)
        nv_ok "$what: AccessDenied by the bus policy"
        ;;
    *)
        nv_fail "$what: expected AccessDenied from the bus policy, got: $out"
        ;;
    esac
}

request_name='org.freedesktop.DBus.RequestName org.example.NestedVirt 4'

# shellcheck disable=SC2086
expect_policy_denial "$NV_TEST_USER cannot own org.example.NestedVirt" \
    nv_as_user gdbus call --system --dest org.freedesktop.DBus \
    --object-path /org/freedesktop/DBus --method $request_name

# shellcheck disable=SC2086
out=$(gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method $request_name 2>&1) || true
[ "$out" = "(uint32 1,)" ] || nv_fail "root cannot own org.example.NestedVirt: $out"
nv_ok "root can own org.example.NestedVirt (RequestName returned 1, primary owner)"

# The real daemon, as root, answering for a fake host.
nv_make_fake_host "$nv_tmp/host"
daemon=$(nv_installed "$NV_LIBEXECDIR")/nestedvirtd
"$daemon" --root="$nv_tmp/host" --idle-timeout=0 2>"$nv_tmp/daemon.log" &
nv_pids="$! $nv_pids"
if ! gdbus wait --system --timeout 10 org.example.NestedVirt; then
    cat "$nv_tmp/daemon.log" >&2
    nv_fail "the installed nestedvirtd did not appear on the bus within 10 s"
fi
nv_ok "the installed nestedvirtd owns org.example.NestedVirt"

obj=/org/example/NestedVirt
out=$(nv_as_user gdbus call --system --dest org.example.NestedVirt --object-path $obj \
    --method org.example.NestedVirt.GetStatus 2>&1) ||
    nv_fail "$NV_TEST_USER cannot call GetStatus: $out"
case $out in
*"'Version': <'$NV_VERSION'>"*) nv_ok "$NV_TEST_USER can call org.example.NestedVirt.GetStatus" ;;
*) nv_fail "GetStatus as $NV_TEST_USER returned no Version: $out" ;;
esac

out=$(nv_as_user gdbus call --system --dest org.example.NestedVirt --object-path $obj \
    --method org.freedesktop.DBus.Properties.Get org.example.NestedVirt Version 2>&1) ||
    nv_fail "$NV_TEST_USER cannot read a property: $out"
nv_ok "$NV_TEST_USER can call org.freedesktop.DBus.Properties.Get ($out)"

nv_as_user gdbus introspect --system --dest org.example.NestedVirt --object-path $obj \
    >"$nv_tmp/introspect" 2>&1 || nv_fail "$NV_TEST_USER cannot introspect: $(cat "$nv_tmp/introspect")"
grep -q 'interface org.example.NestedVirt' "$nv_tmp/introspect" ||
    nv_fail "the introspection data has no org.example.NestedVirt interface"
nv_ok "$NV_TEST_USER can call org.freedesktop.DBus.Introspectable.Introspect"

out=$(nv_as_user gdbus call --system --dest org.example.NestedVirt --object-path $obj \
    --method org.freedesktop.DBus.Peer.Ping 2>&1) ||
    nv_fail "$NV_TEST_USER cannot ping: $out"
nv_ok "$NV_TEST_USER can call org.freedesktop.DBus.Peer.Ping"

expect_policy_denial "$NV_TEST_USER on another interface (org.example.NestedVirt.Debug)" \
    nv_as_user gdbus call --system --dest org.example.NestedVirt --object-path $obj \
    --method org.example.NestedVirt.Debug.GetStatus

expect_policy_denial "$NV_TEST_USER on org.freedesktop.DBus.ObjectManager" \
    nv_as_user gdbus call --system --dest org.example.NestedVirt --object-path $obj \
    --method org.freedesktop.DBus.ObjectManager.GetManagedObjects

out=$(nv_as_user "$NV_CALL_WITHOUT_INTERFACE" org.example.NestedVirt $obj GetStatus 2>&1) || true
[ "$out" = org.freedesktop.DBus.Error.AccessDenied ] ||
    nv_fail "a call without an interface field was not refused by the bus: $out"
nv_ok "$NV_TEST_USER without an interface field (GetStatus): AccessDenied"
