#!/bin/sh
# /init of the vm-ppc64 initramfs (tests/vm/nv-vm-ppc64-test.sh), run by
# Debian's static busybox for ppc64el on Debian's ppc64el kernel, booted by
# qemu's powernv9 machine: the kernel is the hypervisor there (HV mode).
#
# It loads kvm and kvm_hv (the driver put them and their dependencies in
# /modules/order, in load order), then, on the console:
#   NV-PPC64: KEY VALUE...        a fact the driver asserts
#   NV-PPC64-FILE TAG PATH MODE UID GID MD5, base64 lines, NV-PPC64-FILE-END:
#                                 one file of the dump TAG, the files
#                                 nestedvirtd reads for its status (the
#                                 firmware may write lines in between)
# "on" is dumped as the kernel loaded kvm_hv (nested=Y by default), "off"
# after `echo N` into its parameter; the probe checks the capability after
# each write. NV-PPC64-END ends the run, then the machine powers off,
# which ends qemu (as does a panic: panic=-1, -no-reboot).
set -u
/bin/busybox --install -s /bin
PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Kernel messages would cut into the lines below.
echo 1 >/proc/sys/kernel/printk

fact() {
	echo "NV-PPC64: $*"
}

while read -r ko; do
	insmod "/modules/$ko"
	fact insmod "$ko" "$?"
done </modules/order

param=/sys/module/kvm_hv/parameters/nested

# stage TAG: copies what nestedvirtd reads (service/nv-host.c,
# nv-host-kvm.c, nv-hypervisor.c) into /dump/TAG, by content: sysfs files
# claim a page's size, so an archiver would read them wrong.
stage() {
	dir=/dump/$1
	mkdir -p "$dir"
	for f in /proc/cpuinfo /proc/cmdline /proc/modules /proc/1/environ \
		/proc/sys/kernel/arch /proc/sys/kernel/osrelease \
		/sys/class/misc/kvm/dev /sys/hypervisor/type /sys/class/dmi/id/* \
		/proc/vz /proc/bc /.dockerenv /run/.containerenv /run/systemd/container \
		/sys/module/kvm/initstate /sys/module/kvm/refcnt /sys/module/kvm/parameters/* \
		/sys/module/kvm_hv/initstate /sys/module/kvm_hv/refcnt /sys/module/kvm_hv/parameters/* \
		/proc/device-tree/compatible /proc/device-tree/hypervisor/compatible \
		/proc/device-tree/ibm,powervm-partition /proc/device-tree/ibm,fw-net-version; do
		[ -f "$f" ] || continue
		mkdir -p "$dir${f%/*}"
		cat "$f" >"$dir$f"
	done
	# The directories whose existence tells PowerNV from pSeries
	# (nv_hypervisor_detect_power()): an empty file in each, from which
	# the driver's tree makes them again.
	for d in /sys/firmware/opal /sys/bus/vio; do
		[ -d "$d" ] || continue
		fact dir "$d"
		mkdir -p "$dir$d"
		: >"$dir$d/.nv-exists"
	done
	# The modules that use kvm, by name (the links lead out of the dump).
	for h in /sys/module/kvm/holders/*; do
		[ -e "$h" ] || continue
		mkdir -p "$dir/sys/module/kvm/holders"
		: >"$dir/sys/module/kvm/holders/${h##*/}"
	done
	# The node as the daemon sees it; its owner and mode go with it.
	if [ -c /dev/kvm ]; then
		mkdir -p "$dir/dev"
		: >"$dir/dev/kvm"
		fact kvm-node "$(stat -c '%F %u %g %a %t:%T' /dev/kvm)"
	fi
}

dump() {
	stage "$1"
	(cd "/dump/$1" && find . -type f) | while read -r f; do
		f=${f#.}
		# The real file's owner and mode; the markers of directories
		# have no real file.
		meta=$(stat -L -c '%a %u %g' "$f" 2>/dev/null || stat -c '%a %u %g' "/dump/$1$f")
		sum=$(md5sum <"/dump/$1$f")
		echo "NV-PPC64-FILE $1 $f $meta ${sum%% *}"
		base64 "/dump/$1$f"
		echo "NV-PPC64-FILE-END"
	done
}

fact uname-r "$(uname -r)"
fact nested "$(cat $param 2>&1)"
fact probe "$(/bin/nv-vm-ppc64-probe 2>&1)"
dump on

rc=ok
echo N >$param || rc=failed
fact write-N "$rc" "$(cat $param 2>&1)"
fact probe "$(/bin/nv-vm-ppc64-probe 2>&1)"
dump off

rc=ok
echo Y >$param || rc=failed
fact write-Y "$rc" "$(cat $param 2>&1)"
fact probe "$(/bin/nv-vm-ppc64-probe 2>&1)"

echo NV-PPC64-END
poweroff -f
