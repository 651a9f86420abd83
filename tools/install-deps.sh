#!/bin/sh
# Installs what building and testing nestedvirt needs on Debian 12.
# Idempotent: packages already present are left alone, and apt's package
# lists are refreshed only when something is missing.
set -eu

packages="
  build-essential meson ninja-build pkg-config
  libsystemd-dev libudev-dev libglib2.0-dev libpolkit-gobject-1-dev libpolkit-agent-1-dev
  libkmod-dev libvirt-dev libxml2-dev libjson-glib-dev libglib-testing-0-dev
  dbus-daemon dbus-bin libglib2.0-bin polkitd pkexec libvirt0 libxml2-utils clang-format
  clang libclang-rt-14-dev valgrind
  libdbus-1-dev gettext scdoc bash-completion systemd man-db
  qemu-system-x86 debootstrap busybox-static cpio kmod
  ansible-core openssh-client jq
"
# For the installed files and their tests: dbus-1.pc and bash-completion.pc
# name the install directories; gettext (with polkitd's ITS rules) merges
# the translations into the polkit policy; scdoc builds the man pages, which
# man-db's groff renders; systemd brings systemd-analyze and busctl.
# The vm suite (tests/vm) boots Debian's kernel under qemu: debootstrap
# makes the guest root, busybox-static and cpio its initramfs, kmod's
# depmod and modprobe -d resolve the kernel package's modules (the kernel
# .deb itself is only downloaded and unpacked, never installed here).
# ansible-core runs the Ansible collection (ansible/) in the ansible suite
# and against the vm suite's guest, which the suite reaches with
# openssh-client's ssh (nestedvirtctl -H) and ssh-keygen (its keys); jq
# reads nestedvirtctl --json there.
# clang and libclang-rt-14-dev (libFuzzer, the sanitizer runtimes) build the
# fuzz targets (tools/run-fuzzers.sh); valgrind serves `meson test
# --setup=valgrind`.
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

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
