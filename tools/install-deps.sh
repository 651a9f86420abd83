#!/bin/sh
# Installs on Debian 12 what one job of this checkout needs, and nothing
# more:
#
#   install-deps.sh run     build nestedvirt and run it (tools/dev-status.sh)
#   install-deps.sh host    that, plus what `meson install` on a real host
#                           wants (man pages, install directories)
#   install-deps.sh deb     that, plus what building the Debian packages
#                           wants (tools/deb-build.sh)
#   install-deps.sh test    all of it, plus the whole test suite
#                           (tools/run-tests.sh, CI); the default
#
# Idempotent: packages already present are left alone, and apt's package
# lists are refreshed only when something is missing. When another apt or
# dpkg holds its locks, it waits for it (NV_APT_LOCK_TIMEOUT seconds, 600 by
# default) and says so, instead of failing with apt's lock error.
#
# Each group is a list below, one package a line with why it is there:
# adding a package is adding a line to its group.
set -eu

# Building (`meson setup` and `meson compile`, every default target) and
# running the daemon and the CLI on a private bus.
run_packages()
{
    cat <<'EOF'
build-essential          # the C compiler
meson
ninja-build
pkg-config
libsystemd-dev           # sd-bus, sd-event
libglib2.0-dev
libpolkit-gobject-1-dev  # its headers, and policydir for the polkit actions
libkmod-dev              # headers only: libkmod is dlopen()ed
libvirt-dev              # headers only: libvirt is dlopen()ed
libxml2-dev
libjson-glib-dev         # nestedvirtctl --json
gettext                  # msgfmt, at meson setup: translations merged into the polkit actions
polkitd                  # the ITS rules msgfmt needs for .policy files; pkttyagent for nestedvirtctl
dbus-daemon              # the private system-like bus of tools/dev-status.sh
libglib2.0-bin           # gdbus: tools/dev-status.sh waits for the name with it
EOF
}

# Installing on a host (README, "Install on a real host").
host_packages()
{
    cat <<'EOF'
scdoc                    # -Dman=enabled: the man pages
libdbus-1-dev            # dbus-1.pc names the bus policy, activation and interfaces directories
bash-completion          # bash-completion.pc names the completions directory
libgtk-4-dev             # -Dpanel: the settings app, GTK 4.8
libadwaita-1-dev         # -Dpanel: libadwaita 1.2
EOF
}

# Building the Debian packages (debian/, tools/deb-build.sh): the host's
# build dependencies above are debian/control's Build-Depends.
deb_packages()
{
    cat <<'EOF'
dpkg-dev                 # dpkg-buildpackage, dpkg-source
debhelper                # dh over meson, debhelper-compat 13
fakeroot                 # dpkg-buildpackage's default root command (unused with Rules-Requires-Root: no)
EOF
}

# The test suites, the fuzzers, the bench and lintian.
test_packages()
{
    cat <<'EOF'
libglib-testing-0-dev    # the polkit suite: a mocked polkit (GtDBusQueue)
libvirt0                 # the libvirt suite: libvirt test driver, dlopen()ed
libxml2-utils            # xmllint: the install suite validates the XML files
clang-format             # the style suite (tools/check-style.sh)
systemd                  # busctl, systemd-analyze (install suite), systemd-socket-activate (integration), systemd-hostnamed (bench)
man-db                   # the install suite renders the man pages
clang                    # the fuzz targets (tools/run-fuzzers.sh)
libclang-rt-14-dev       # libFuzzer and the sanitizer runtimes
valgrind                 # meson test --setup=valgrind
qemu-system-x86          # the vm suite boots Debian's kernel under qemu
debootstrap              # the vm suite: the guest root
busybox-static           # the vm suite: the guest initramfs
cpio                     # the vm suite: the guest initramfs
kmod                     # the vm suite: depmod, modprobe -d on the kernel package
qemu-system-ppc          # the vm suite's vm-ppc64: Debian's ppc64el kernel on powernv9, with skiboot
gcc-powerpc64le-linux-gnu # the vm suite's vm-ppc64: its KVM probe, cross-compiled for the guest
libc6-dev-ppc64el-cross  # the vm suite's vm-ppc64: the probe's static libc
xvfb                     # the panel suite: the settings app in a real X server
at-spi2-core             # the panel suite: the accessibility bus that drives it
libatspi2.0-dev          # the panel suite: its test program (libatspi)
desktop-file-utils       # the panel suite: desktop-file-validate
appstream                # the panel suite: appstreamcli validate
ansible-core             # the ansible suite and the vm suite's playbook: the real engine; validate-modules
ansible-lint             # the ansible suite: ansible-lint --profile production, offline
python3-voluptuous       # the ansible suite: validate-modules' schemas
python3-pytest           # the ansible suite: the collection's unit tests
openssh-client           # the vm suite: nestedvirtctl -H and Ansible reach the guest over ssh
jq                       # the vm suite: reads nestedvirtctl --json
zsh                      # the install suite: the zsh completion, loaded and run
fish                     # the install suite: the fish completion; fish.pc names its directory
prometheus               # promtool: test-export and test-cli check nestedvirtctl export's textfile
lintian                  # the Debian packages: run-tests.sh fails on its errors and warnings
EOF
}

# Groups a job needs: each one includes those it builds on.
case "${1:-test}" in
run) groups="run" ;;
host) groups="run host" ;;
deb) groups="run host deb" ;;
test) groups="run host deb test" ;;
*)
    echo "usage: $0 [run|host|deb|test]" >&2
    exit 2
    ;;
esac

packages=""
for group in $groups; do
    packages="$packages $("${group}_packages" | sed 's/#.*//')"
done

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing; run this as root to install them" >&2
    exit 1
fi

# The locks apt and dpkg take (fcntl locks, which /proc/locks lists with
# their holder): the frontend and dpkg's own for an install, the package
# lists' for an update, the archives' for a download.
apt_locks="/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock"
lock_timeout=${NV_APT_LOCK_TIMEOUT:-600}
deadline=$(($(date +%s) + lock_timeout))

# Prints the pid holding one of the locks, or nothing.
lock_holder()
{
    for lock in $apt_locks; do
        [ -e "$lock" ] || continue
        # /proc/locks names a file as MAJOR:MINOR:INODE, the device numbers in hex.
        dev=$(stat -c %d "$lock")
        id=$(printf '%02x:%02x:%s' $(((dev >> 8) & 0xfff)) $(((dev & 0xff) | ((dev >> 12) & 0xfff00))) \
            "$(stat -c %i "$lock")")
        pid=$(awk -v id="$id" '$2 != "->" && $6 == id { print $5; exit }' /proc/locks)
        if [ -n "$pid" ]; then
            echo "$pid"
            return
        fi
    done
}

# Returns once no other apt or dpkg holds a lock; fails after the deadline.
wait_for_apt()
{
    waiting=""
    while pid=$(lock_holder) && [ -n "$pid" ]; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "install-deps: another apt/dpkg (pid $pid, $(cat "/proc/$pid/comm" 2>/dev/null))" \
                "still holds its lock after ${lock_timeout} s; let it finish (or stop it) and run this" \
                "again (NV_APT_LOCK_TIMEOUT sets the wait)" >&2
            exit 1
        fi
        if [ "$waiting" != "$pid" ]; then
            echo "install-deps: waiting for another apt/dpkg (pid $pid, $(cat "/proc/$pid/comm" 2>/dev/null))" \
                "to finish..." >&2
            waiting=$pid
        fi
        sleep 1
    done
}

# apt-get, once no other apt holds a lock. DPkg::Lock::Timeout covers one
# that takes the dpkg lock between our look and apt's; one that takes
# another lock then makes apt-get fail, and it is tried again.
apt_get()
{
    while :; do
        wait_for_apt
        remaining=$((deadline - $(date +%s)))
        rc=0
        apt-get -o DPkg::Lock::Timeout=$((remaining > 0 ? remaining : 0)) "$@" || rc=$?
        if [ $rc -eq 0 ] || [ -z "$(lock_holder)" ]; then
            return $rc
        fi
    done
}

export DEBIAN_FRONTEND=noninteractive
apt_get update -qq
# shellcheck disable=SC2086
apt_get install -y -qq --no-install-recommends $missing
