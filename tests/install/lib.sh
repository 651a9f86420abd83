# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the tests of the installed files (tests/install/test-*.sh).
#
# Each test installs the build into a DESTDIR of its own with
# `meson install --destdir` and works on those files, so that what is
# tested is what a host gets, not the source tree. tests/install/meson.build
# passes the build directory and every install directory in NV_* variables.
#
# Output: one "ok: ..." line per check; "SKIP: reason" and exit 77 when
# the test cannot run here; "FAIL: ..." and exit 1 otherwise.

set -eu

# nv_system_bus_config, shared with tools/dev-status.sh.
. "$(dirname "$0")/../../tools/system-bus-config.sh"

nv_tmp=$(mktemp -d "${TMPDIR:-/tmp}/nestedvirt-install.XXXXXX")
nv_dest=$nv_tmp/destdir
# Open to the test user, for the build's programs it runs (nv_as_user).
nv_user_bin=$(mktemp -d "${TMPDIR:-/tmp}/nestedvirt-user-bin.XXXXXX")
chmod 755 "$nv_user_bin"
nv_pids=""

nv_cleanup()
{
    # PID 1 may not reap orphans here: stop and wait for every child.
    for pid in $nv_pids; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$nv_tmp" "$nv_user_bin"
}
trap nv_cleanup EXIT
trap 'exit 1' INT TERM

nv_ok()
{
    echo "ok: $*"
}

nv_fail()
{
    echo "FAIL: $*" >&2
    exit 1
}

nv_skip()
{
    echo "SKIP: $*"
    exit 77
}

nv_require_root()
{
    if [ "$(id -u)" -ne 0 ]; then
        nv_skip "must run as root: $*"
    fi
}

nv_require_program()
{
    if ! command -v "$1" >/dev/null 2>&1; then
        nv_fail "$1 is not installed (tools/install-deps.sh installs it)"
    fi
}

# The path of an installed file below the DESTDIR, from its path on a host.
nv_installed()
{
    printf '%s%s\n' "$nv_dest" "$1"
}

nv_install()
{
    if ! "$NV_MESON" install -C "$NV_BUILD_ROOT" --destdir "$nv_dest" --no-rebuild \
        >"$nv_tmp/install.log" 2>&1; then
        cat "$nv_tmp/install.log" >&2
        nv_fail "meson install --destdir failed"
    fi
}

# An unprivileged user for the "any user" side of the bus tests, created
# (as a system user without a home) if it does not exist yet.
NV_TEST_USER=nv-test
nv_require_test_user()
{
    if ! id "$NV_TEST_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$NV_TEST_USER" ||
            nv_fail "cannot create the test user $NV_TEST_USER"
    fi
}

# Runs a command as the test user, keeping the environment (the bus
# address) but not root's groups or capabilities. A program of the build
# that the user cannot reach (a checkout cloned into `mktemp -d`, mode
# 0700) runs from a copy in $nv_user_bin.
nv_as_user()
{
    nv_program=$1
    shift
    if [ "${nv_program#/}" != "$nv_program" ] && ! nv_setpriv_user test -x "$nv_program"; then
        cp "$nv_program" "$nv_user_bin/" || nv_fail "cannot copy $nv_program for $NV_TEST_USER"
        nv_program=$nv_user_bin/${nv_program##*/}
        chmod 755 "$nv_program"
    fi
    nv_setpriv_user "$nv_program" "$@"
}

nv_setpriv_user()
{
    setpriv --reuid="$NV_TEST_USER" --regid="$NV_TEST_USER" --init-groups \
        --inh-caps=-all env HOME=/nonexistent "$@"
}

# Writes a dbus-daemon configuration like Debian's system bus
# (/usr/share/dbus-1/system.conf: deny owning and calling by default) that
# includes the INSTALLED system.d directory, so the policy under test is
# the one a host gets. Extra elements (a <servicedir>) go in $3.
nv_write_bus_config()
{
    nv_system_bus_config "$2" \
        "${3:-}<includedir>$(nv_installed "$NV_DBUS_SYSTEM_POLICY_DIR")</includedir>" >"$1"
}

# Starts a private dbus-daemon with configuration $1 and exports its
# address as DBUS_SYSTEM_BUS_ADDRESS (see tools/system-bus-config.sh).
nv_start_bus()
{
    if ! nv_start_system_bus "$1" "$nv_tmp/bus.log"; then
        nv_pids="$nv_bus_pid $nv_pids"
        nv_fail "the private dbus-daemon did not start"
    fi
    nv_pids="$nv_bus_pid $nv_pids"
}

# A minimal host tree for `nestedvirtd --root`: an Intel x86_64 machine
# without KVM loaded. The bus tests only need the daemon to answer.
nv_make_fake_host()
{
    mkdir -p "$1/proc/sys/kernel" "$1/sys/module" "$1/etc/modprobe.d"
    printf 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n\n' >"$1/proc/cpuinfo"
    echo x86_64 >"$1/proc/sys/kernel/arch"
    echo 6.1.0-test >"$1/proc/sys/kernel/osrelease"
    echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1" >"$1/proc/cmdline"
}

# Polls (every 0.1 s, at most $1 seconds) until the command in "$@" after
# $1 succeeds. No fixed sleeps: the bound only matters when it fails.
nv_wait_until()
{
    local_limit=$(($1 * 10))
    shift
    while ! "$@" >/dev/null 2>&1; do
        local_limit=$((local_limit - 1))
        [ "$local_limit" -gt 0 ] || return 1
        sleep 0.1
    done
}

nv_name_has_owner()
{
    [ "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus NameHasOwner s "$1")" = "b true" ]
}

nv_name_pid()
{
    busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus GetConnectionUnixProcessID s "$1" | sed -n 's/^u //p'
}
