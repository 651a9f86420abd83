#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed units, nestedvirtd.service, the scan helper's
# nestedvirtd-kvm-users.socket and nestedvirtd-kvm-users@.service, and
# nestedvirt-export.service and .timer, pass
# `systemd-analyze verify`, and their sandboxes keep
# `systemd-analyze security --offline=yes` at the exposures README.md
# states. Neither needs systemd as PID 1.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"

nv_require_program systemd-analyze
nv_install

# The highest exposures accepted, times ten (systemd-analyze --threshold).
# The daemon: 1.5, as hostnamed: root with CAP_SYS_MODULE alone. The
# helper: 0.9, a dynamic user with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH
# alone. README.md ("Install on a real host") explains each. Lower them
# when the units improve.
max_exposure=15
max_helper_exposure=9
# The export: root with CAP_DAC_OVERRIDE alone, no network.
max_export_exposure=9
# The reference: Debian 12's systemd-hostnamed.service is at 1.5.
hostnamed=/lib/systemd/system/systemd-hostnamed.service

unit_dir=$(nv_installed "$NV_SYSTEMD_SYSTEM_UNIT_DIR")
unit=$unit_dir/nestedvirtd.service
socket=$unit_dir/nestedvirtd-kvm-users.socket
helper=$unit_dir/nestedvirtd-kvm-users@.service
export_unit=$unit_dir/nestedvirt-export.service
export_timer=$unit_dir/nestedvirt-export.timer
for f in "$unit" "$socket" "$helper" "$export_unit" "$export_timer"; do
    [ -f "$f" ] || nv_fail "no unit at $NV_SYSTEMD_SYSTEM_UNIT_DIR/${f##*/}"
done

grep -qx 'Type=dbus' "$unit" || nv_fail "the unit is not Type=dbus"
grep -qx 'BusName=org.example.NestedVirt' "$unit" || nv_fail "the unit has no BusName=org.example.NestedVirt"
grep -qx "ExecStart=$NV_LIBEXECDIR/nestedvirtd" "$unit" ||
    nv_fail "ExecStart= is not $NV_LIBEXECDIR/nestedvirtd"
grep -q '^\[Install\]' "$unit" && nv_fail "the unit has an [Install] section; it is bus-activated"
nv_ok "Type=dbus, BusName=org.example.NestedVirt, ExecStart=$NV_LIBEXECDIR/nestedvirtd, no [Install]"

# The daemon keeps one capability; the helper has the two the scan needs,
# and the daemon's start brings its socket up first.
grep -qx 'CapabilityBoundingSet=CAP_SYS_MODULE' "$unit" ||
    nv_fail "nestedvirtd.service has another capability set than CAP_SYS_MODULE alone"
grep -qx 'Wants=nestedvirtd-kvm-users.socket' "$unit" && grep -qx 'After=nestedvirtd-kvm-users.socket' "$unit" ||
    nv_fail "nestedvirtd.service does not want, and start after, nestedvirtd-kvm-users.socket"
nv_ok "nestedvirtd.service: CAP_SYS_MODULE alone, Wants= and After= nestedvirtd-kvm-users.socket"
for line in "ListenStream=$NV_KVM_USERS_SOCKET" 'SocketMode=0600' 'Accept=yes' 'RemoveOnStop=yes'; do
    grep -qx "$line" "$socket" || nv_fail "nestedvirtd-kvm-users.socket has no $line"
done
grep -q '^MaxConnections=[0-9]' "$socket" || nv_fail "nestedvirtd-kvm-users.socket has no MaxConnections="
nv_ok "nestedvirtd-kvm-users.socket: ListenStream=$NV_KVM_USERS_SOCKET, 0600, Accept=yes, MaxConnections, RemoveOnStop"
for line in "ExecStart=$NV_LIBEXECDIR/nestedvirtd-kvm-users" 'StandardInput=socket' 'StandardOutput=socket' \
    'CapabilityBoundingSet=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH'; do
    grep -qx "$line" "$helper" || nv_fail "nestedvirtd-kvm-users@.service has no $line"
done
nv_ok "nestedvirtd-kvm-users@.service: the connection as stdin and stdout, CAP_SYS_PTRACE CAP_DAC_READ_SEARCH"

# The export: a oneshot that the timer runs; installed, enabled by no one
# but an administrator (the service has no [Install], the timer does).
for line in 'Type=oneshot' 'CapabilityBoundingSet=CAP_DAC_OVERRIDE' 'ProtectSystem=strict' 'PrivateNetwork=yes'; do
    grep -qx "$line" "$export_unit" || nv_fail "nestedvirt-export.service has no $line"
done
grep -q "^ExecStart=$NV_BINDIR/nestedvirtctl --no-ask-password export --prometheus=/var/lib/prometheus/node-exporter/nestedvirt.prom --nfd=/etc/kubernetes/node-feature-discovery/features.d/nestedvirt\$" "$export_unit" ||
    nv_fail "nestedvirt-export.service does not run nestedvirtctl export into node_exporter's and NFD's directories"
grep -q '^\[Install\]' "$export_unit" && nv_fail "nestedvirt-export.service has an [Install] section; the timer starts it"
grep -qx 'WantedBy=timers.target' "$export_timer" || nv_fail "nestedvirt-export.timer is not WantedBy=timers.target"
[ ! -e "$(nv_installed "$NV_SYSTEMD_SYSTEM_UNIT_DIR")/timers.target.wants" ] || nv_fail "meson install enabled a timer"
nv_ok "nestedvirt-export.service: oneshot, CAP_DAC_OVERRIDE alone, no [Install]; the timer is installed, not enabled"

# verify checks that ExecStart= is executable and that every man: page in
# Documentation= exists, on this host. Copies differing only in ExecStart=
# point at the installed programs below DESTDIR; MANPATH at the installed
# man pages. (--root= would also need a whole systemd below DESTDIR.) The
# socket is verified with its service template beside it, and the
# template as an instance.
mkdir "$nv_tmp/verify"
for f in "$unit" "$socket" "$helper" "$export_unit" "$export_timer"; do
    sed "s|^ExecStart=|ExecStart=$nv_dest|" "$f" >"$nv_tmp/verify/${f##*/}"
done
if [ "$NV_MAN" = true ]; then
    man_check=--man=yes
else
    man_check=--man=no
fi
for f in nestedvirtd.service nestedvirtd-kvm-users.socket nestedvirtd-kvm-users@.service \
    nestedvirt-export.service nestedvirt-export.timer; do
    if ! MANPATH=$(nv_installed "$NV_MANDIR") systemd-analyze verify $man_check \
        "$nv_tmp/verify/$f" >"$nv_tmp/verify.log" 2>&1 ||
        [ -s "$nv_tmp/verify.log" ]; then
        cat "$nv_tmp/verify.log" >&2
        nv_fail "systemd-analyze verify found problems in the installed $f"
    fi
    nv_ok "systemd-analyze verify $man_check $f: no warnings"
done

exposure()
{
    systemd-analyze security --offline=yes "$@" 2>&1 |
        sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p'
}

# check_exposure UNIT MAX: at most MAX/10.
check_exposure()
{
    if ! systemd-analyze security --offline=yes --threshold="$2" "$1" >"$nv_tmp/security.log" 2>&1; then
        grep '✗' "$nv_tmp/security.log" >&2 || cat "$nv_tmp/security.log" >&2
        nv_fail "${1##*/}: exposure $(exposure "$1") is above the accepted $2/10; tighten the unit or update README.md and this test"
    fi
    nv_ok "${1##*/}: exposure $(exposure "$1") is at most $(echo "$2" | sed 's/^\(.\)$/0\1/; s/\(.\)$/.\1/')"
}

ours=$(exposure "$unit")
theirs=$(exposure "$helper")
[ -n "$ours" ] || nv_fail "systemd-analyze security printed no exposure for nestedvirtd.service"
[ -n "$theirs" ] || nv_fail "systemd-analyze security printed no exposure for nestedvirtd-kvm-users@.service"
figures="nestedvirtd.service $ours, nestedvirtd-kvm-users@.service $theirs"
if [ -f "$hostnamed" ]; then
    figures="$figures, systemd-hostnamed.service $(exposure "$hostnamed")"
fi
echo "systemd-analyze security --offline=yes: $figures"
check_exposure "$unit" $max_exposure
check_exposure "$helper" $max_helper_exposure
check_exposure "$export_unit" $max_export_exposure
