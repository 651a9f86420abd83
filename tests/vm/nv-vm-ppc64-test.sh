#!/bin/bash
# The vm suite's ppc64le test: the project's status against Debian's real
# ppc64el kernel.
#
#   nv-vm-ppc64-test.sh SRCDIR WORKDIR NESTEDVIRTD NESTEDVIRTD-SIM NESTEDVIRTCTL
#
# qemu's powernv9 machine (TCG, skiboot firmware) boots the kernel of the
# newest linux-image-*-powerpc64le bookworm serves in HV mode, where
# kvm_hv loads and its "nested" parameter is writable at run time. A
# busybox initramfs (nv-vm-ppc64-init.sh) loads kvm and kvm_hv, dumps the
# files nestedvirtd reads for its status to the console, switches nested
# off and on with `echo N`/`echo Y`, and runs nv-vm-ppc64-probe (KVM's
# KVM_CAP_PPC_NESTED_HV) after each write. Here, a root tree is made of
# each dump and the kernel package's /lib/modules, and this build's
# nestedvirtd (--root) on a private system-like bus must tell through
# nestedvirtctl and GetStatus what the kernel showed; nestedvirtd-sim (the
# daemon on the simulated kernel) must switch the "off" tree on by a
# write, as the real kernel allowed, not by a reload.
#
# The packages (the kernel, busybox-static) come from apt with lists and
# a cache of their own in WORKDIR/cache, for ppc64el, so that the host's
# apt and dpkg state stay as they are; nothing is installed. It exits 77
# (skip) only without root, qemu-system-ppc64, or the packages; with
# CI=true those are failures. Output: TAP.
set -eu

srcdir=$(cd "$1" && pwd)
workdir=$2
daemon=$3
daemon_sim=$4
ctl=$5
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
cache=$workdir/cache
run=$workdir/run
start=$SECONDS

# The guest boots and ends in 15 to 60 s; the bound only turns a hang into
# a failure on a machine that may be busy.
qemu_timeout=${NV_VM_QEMU_TIMEOUT:-1200}
step_timeout=900

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/#   /'
}
# check, json_key_is, wait_until, skip, print_logs
# shellcheck source=tests/vm/nv-vm-lib.sh
. "$srcdir/tests/vm/nv-vm-lib.sh"

log() {
	echo "# [$((SECONDS - start))s] $*"
}
bail() {
	echo "Bail out! $*"
	print_logs "$run/console.log" "$run/qemu.log"
	exit 1
}

# Children are stopped and waited for: nothing reaps orphans here.
pids=
tmp=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	for pid in $pids; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

[ "$(id -u)" -eq 0 ] || skip "needs root (the daemon owns its name on the bus as root)"
command -v qemu-system-ppc64 >/dev/null || skip "qemu-system-ppc64 not installed (package qemu-system-ppc)"
for tool in powerpc64le-linux-gnu-gcc:gcc-powerpc64le-linux-gnu apt-get:apt dpkg-deb:dpkg \
	depmod:kmod modprobe:kmod cpio:cpio dbus-daemon:dbus-daemon busctl:systemd jq:jq; do
	command -v "${tool%%:*}" >/dev/null || bail "${tool%%:*} not installed (package ${tool#*:}): run tools/install-deps.sh"
done
for f in "$daemon" "$daemon_sim" "$ctl"; do
	[ -x "$f" ] || bail "$f is not built"
done

# --- the packages, for ppc64el, with apt state of their own.
mkdir -p "$cache/apt/lists/partial" "$cache/apt/archives/partial" "$run"
: >"$cache/apt/status"
apt_ppc64el() {
	timeout --kill-after=10 "$step_timeout" "$1" \
		-o APT::Architecture=ppc64el -o APT::Architectures=ppc64el \
		-o Dir::State::Lists="$cache/apt/lists" -o Dir::State::status="$cache/apt/status" \
		-o Dir::Cache="$cache/apt" -o APT::Sandbox::User=root "${@:2}"
}
# The kernel the metapackage depends on, as the x86 test resolves its own.
resolve_kernel() {
	apt_ppc64el apt-cache depends linux-image-powerpc64le 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-powerpc64le$/ { print $2; exit }'
}
# unpack DIR PACKAGE: the package unpacked in DIR/tree, once (DIR/.done);
# skips the test when it cannot be downloaded.
unpack() {
	[ ! -e "$1/.done" ] || return 0
	rm -rf "$1"
	mkdir -p "$1"
	# apt's sandbox user could not write into a root-owned build directory.
	(cd "$1" && apt_ppc64el apt-get -q download "$2" >"$1/download.log" 2>&1) ||
		skip "cannot download $2 for ppc64el (log: $1/download.log)"
	dpkg-deb -x "$1"/*.deb "$1/tree"
	rm -f "$1"/*.deb
	touch "$1/.done"
}

log "the ppc64el packages"
kpkg=$(resolve_kernel)
if [ -z "$kpkg" ] || [ ! -e "$cache/kernel-${kpkg#linux-image-}/.done" ]; then
	# New lists: the kernel may be new, or the cached one gone from the mirror.
	apt_ppc64el apt-get -q update >"$cache/apt-update.log" 2>&1 ||
		skip "apt-get update for ppc64el failed (log: $cache/apt-update.log)"
	kpkg=$(resolve_kernel)
fi
[ -n "$kpkg" ] || skip "apt has no linux-image-powerpc64le for ppc64el to take the kernel from"
kver=${kpkg#linux-image-}
kdir=$cache/kernel-$kver
unpack "$kdir" "$kpkg"
# modules.dep, as the package's postinst would make it, in our tree.
[ -e "$kdir/tree/lib/modules/$kver/modules.dep" ] || depmod -b "$kdir/tree" "$kver"
vmlinux=$kdir/tree/boot/vmlinux-$kver
[ -f "$vmlinux" ] || bail "no /boot/vmlinux-$kver in $kpkg"
bbdir=$cache/busybox
unpack "$bbdir" busybox-static
log "kernel $kver"

# --- the initramfs: busybox, the probe, kvm and kvm_hv, /init.
initrd=$run/initramfs
rm -rf "$initrd"
mkdir -p "$initrd/bin" "$initrd/modules" "$initrd/proc" "$initrd/sys" "$initrd/dev"
cp "$bbdir/tree/bin/busybox" "$initrd/bin/busybox"
ln -s busybox "$initrd/bin/sh"
powerpc64le-linux-gnu-gcc -static -O2 -Wall -Werror -o "$initrd/bin/nv-vm-ppc64-probe" \
	"$srcdir/tests/vm/nv-vm-ppc64-probe.c" || bail "cross-compiling nv-vm-ppc64-probe.c failed"
install -m 0755 "$srcdir/tests/vm/nv-vm-ppc64-init.sh" "$initrd/init"
modprobe -d "$kdir/tree" -S "$kver" --show-depends kvm_hv | awk '$1 == "insmod" { print $2 }' >"$run/modules"
grep -q '/kvm-hv\.ko$' "$run/modules" || bail "modules.dep of $kver has no kvm-hv.ko"
while read -r ko; do
	cp "$ko" "$initrd/modules/"
	basename "$ko"
done <"$run/modules" >"$initrd/modules/order"
(cd "$initrd" && find . | cpio -o -H newc --quiet | gzip -1) >"$run/initramfs.cpio.gz"

# --- the guest.
log "booting $kver on powernv9 (TCG), at most ${qemu_timeout}s"
rm -f "$run/console.log"
# Without MALLOC_PERTURB_ (meson sets it): glibc's filling of every
# allocation slows qemu's emulation, which is not what is tested.
env -u MALLOC_PERTURB_ nice -n 10 timeout --kill-after=10 "$qemu_timeout" qemu-system-ppc64 \
	-M powernv9 -cpu power9 -m 2G -display none -monitor none -no-reboot \
	-kernel "$vmlinux" -initrd "$run/initramfs.cpio.gz" \
	-append "console=hvc0 panic=-1 loglevel=4" \
	-serial "file:$run/console.log" >"$run/qemu.log" 2>&1 </dev/null &
pids=$!
qemu_status=0
wait "$pids" || qemu_status=$?
pids=
log "qemu exited with status $qemu_status"
case $qemu_status in
0) ;;
124 | 137) bail "the guest did not end within ${qemu_timeout}s" ;;
*) bail "qemu failed (status $qemu_status)" ;;
esac
tr -d '\r' <"$run/console.log" >"$run/console.txt"
grep -qx 'NV-PPC64-END' "$run/console.txt" || bail "the guest's /init did not end (no NV-PPC64-END)"

# --- what the kernel said.
# fact KEY: the values of the guest's "NV-PPC64: KEY ..." lines, in order.
fact() {
	sed -n "s/^NV-PPC64: $1 //p" "$run/console.txt"
}
check_fact() {
	local got
	got=$(fact "$1" | sed -n "${3:-1}p")
	if [ "$got" = "$2" ]; then
		ok "guest: $1 ${4:-}is $2"
	else
		not_ok "guest: $1 ${4:-}is $2" "got: $got"
	fi
}
i=0
while read -r ko; do
	i=$((i + 1))
	check_fact insmod "${ko##*/} 0" "$i"
done <"$initrd/modules/order"
check_fact uname-r "$kver"
check_fact nested Y
check_fact probe "cap=1 vm-cap=1 enable=ok" 1 "with nested=Y "
check_fact write-N "ok N"
check_fact probe "cap=0 vm-cap=0 enable=EPERM" 2 "after echo N "
check_fact write-Y "ok Y"
check_fact probe "cap=1 vm-cap=1 enable=ok" 3 "after echo Y "
check_fact kvm-node "character special file 0 0 600 a:e8"
# PowerNV's sign, and not pSeries' (the dump is taken twice).
check_fact dir /sys/firmware/opal 1 "(PowerNV) "
check "guest: no /sys/bus/vio (pSeries)" eval '! fact dir | grep -qx /sys/bus/vio'

# tree TAG: a root made of the dump TAG and the kernel package's modules.
tree() {
	local dir=$run/tree-$1
	rm -rf "$dir" "$run/b64"
	mkdir -p "$dir" "$run/b64"
	# Only base64 lines: skiboot's messages come on the same console.
	awk -v tag="$1" -v out="$run/b64" '
		$1 == "NV-PPC64-FILE" && $2 == tag {
			n++; print $3, $4, $5, $6, $7 > (out "/index"); file = out "/" n; printf "" > file; next
		}
		$1 == "NV-PPC64-FILE-END" { file = ""; next }
		file != "" && /^[A-Za-z0-9+\/=]+$/ { print > file }
	' "$run/console.txt"
	[ -s "$run/b64/index" ] || return 1
	local i=0 path mode uid gid sum
	while read -r path mode uid gid sum; do
		i=$((i + 1))
		mkdir -p "$dir${path%/*}"
		base64 -d "$run/b64/$i" >"$dir$path" || return 1
		[ "$(md5sum <"$dir$path")" = "$sum  -" ] || {
			echo "$path: not what the guest sent"
			return 1
		}
		chown "$uid:$gid" "$dir$path"
		chmod "$mode" "$dir$path"
	done <"$run/b64/index"
	# The package's modules, as installed: modules.dep and modules.builtin
	# as depmod made them, and the kvm modules' files.
	mkdir -p "$dir/lib/modules/$kver" "$dir/etc/modprobe.d"
	cp "$kdir/tree/lib/modules/$kver"/modules.* "$dir/lib/modules/$kver/"
	while read -r ko; do
		install -D -m 0644 "$ko" "$dir${ko#"$kdir/tree"}"
	done <"$run/modules"
	# The initramfs has no users; /dev/kvm's owner is root's uid.
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/etc/passwd"
	printf 'root:x:0:\n' >"$dir/etc/group"
}
for tag in on off; do
	check "a root tree from the guest's \"$tag\" dump" tree "$tag"
done

# --- this build's daemon on each tree, on a private system-like bus.
tmp=$(mktemp -d /tmp/nv-vm-ppc64.XXXXXX)
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck source=tools/system-bus-config.sh
. "$srcdir/tools/system-bus-config.sh"
nv_system_bus_config "$tmp/bus" "<include>$srcdir/policy/org.example.NestedVirt.conf</include>" >"$tmp/bus.conf"
nv_start_system_bus "$tmp/bus.conf" "$tmp/bus.log" || bail "the private dbus-daemon did not start"
bus_pid=$nv_bus_pid
pids=$bus_pid
dest=(org.example.NestedVirt /org/example/NestedVirt org.example.NestedVirt)

# serve PROGRAM TREE: runs PROGRAM --root=TREE until stop_daemon.
daemon_pid=
serve() {
	"$1" --root="$2" --idle-timeout=0 >"$run/daemon-${2##*/}.log" 2>&1 &
	daemon_pid=$!
	pids="$daemon_pid $bus_pid"
	wait_until 60 busctl --system status org.example.NestedVirt >/dev/null ||
		bail "${1##*/} did not appear on the bus (log: $run/daemon-${2##*/}.log)"
}
stop_daemon() {
	kill -TERM "$daemon_pid" 2>/dev/null || true
	wait "$daemon_pid" 2>/dev/null || true
	pids=$bus_pid
}
status_has() {
	local out
	out=$("$ctl" status 2>&1) || return 1
	grep -qF -- "$1" <<<"$out" || {
		echo "no \"$1\" in:"
		echo "$out"
		return 1
	}
}
# get_status: GetStatus's dictionary as {"Key": value, ...}.
get_status() {
	busctl --system --json=short call "${dest[@]}" GetStatus | jq -c '.data[0] | map_values(.data)'
}

serve "$daemon" "$run/tree-on"
json=$("$ctl" status --json 2>&1) || not_ok "nestedvirtctl status --json on the \"on\" tree" "$json"
for kv in Architecture:'"ppc64le"' Supported:true VendorModule:'"kvm_hv"' HardwareVirtualization:true \
	InVirtualMachine:false Hypervisor:'""' KvmLoaded:true KvmProvider:'"kvm"' VendorModuleLoaded:true \
	VendorModuleBuiltin:false NestedParameter:'"Y"' NestedEnabled:true PersistentNested:'"default"' \
	ReloadRequired:false; do
	check "on: status --json ${kv%%:*} is ${kv#*:}" json_key_is "${kv%%:*}" "${kv#*:}" "$json"
done
check "on: GetStatus on the bus says the same" json_key_is NestedEnabled true "$(get_status)"
check "on: nestedvirtctl status says enabled (kvm_hv nested=Y)" status_has "enabled (kvm_hv nested=Y)"
check "on: no advice to give" eval '! status_has Hint:'
check "on: POWER's words, no CPU flag" status_has "CPU virtualization: yes (POWER9 or later in HV mode)"
check "on: bare metal" status_has "Virtual machine: no"
stop_daemon

serve "$daemon" "$run/tree-off"
json=$("$ctl" status --json 2>&1) || not_ok "nestedvirtctl status --json on the \"off\" tree" "$json"
for kv in VendorModuleLoaded:true NestedParameter:'"N"' NestedEnabled:false HardwareVirtualization:true; do
	check "off: status --json ${kv%%:*} is ${kv#*:}" json_key_is "${kv%%:*}" "${kv#*:}" "$json"
done
check "off: nestedvirtctl status says disabled (kvm_hv nested=N)" status_has "disabled (kvm_hv nested=N)"
check "off: the advice is the switch at run time" status_has "set it at run time with: nestedvirtctl reload"
stop_daemon

# ReloadModule(true) on the "off" tree, with the simulated kernel: a write
# to the parameter, as the real kernel took `echo Y`; never an unload
# (root may call it: polkit is not there to ask).
serve "$daemon_sim" "$run/tree-off"
reply=$(busctl --system call "${dest[@]}" ReloadModule b true 2>&1) || true
check "off: ReloadModule(true) returns Y" test "$reply" = 's "Y"'
check "off: ReloadModule wrote nested at run time, no reload" \
	test "$(cat "$run/tree-off/sim/log" 2>&1)" = "set kvm_hv nested=1"
check "off: kvm_hv stayed loaded" test "$(cat "$run/tree-off/sys/module/kvm_hv/initstate")" = live
check "off: the status is enabled now" status_has "enabled (kvm_hv nested=Y)"
stop_daemon

echo "1..$n"
log "wall time: $((SECONDS - start)) s"
if [ "$failed" -ne 0 ]; then
	print_logs "$run"/daemon-*.log
	exit 1
fi
