#!/bin/sh
# /init of the vm suite's initramfs, run by busybox (statically linked).
#
# Mounts the cached guest root read-only over 9p (tag nvroot) under a tmpfs
# overlay, so that nothing the guest does reaches the host's copy and every
# boot starts from the same tree; copies this run's payload (tag nvpayload:
# the project as `meson install --destdir` staged it, the in-guest test and
# its unit) over it; and hands over to systemd. Anything that goes wrong
# here powers the machine off, which ends qemu (-no-reboot), and the driver
# then prints this console.
set -u

fail() {
	echo "nv-vm-init: $*" >&2
	echo "NV-VM-INIT-FAILED: $*" >&2
	poweroff -f
	# Not reached; if it were, init exiting panics the kernel, and
	# panic=-1 with qemu's -no-reboot ends the run as well.
	exit 1
}

mount -t proc proc /proc || fail "mounting /proc"
mount -t sysfs sysfs /sys || fail "mounting /sys"
mount -t devtmpfs devtmpfs /dev || fail "mounting /dev"

# virtio_pci, 9p and overlay are modules in Debian's kernel. The driver
# resolved their dependencies (modprobe --show-depends) into this list, in
# load order; a module listed twice or built in fails harmlessly.
while read -r module; do
	insmod "/modules/$module" 2>/dev/null || true
done </modules/order

mkdir -p /lower /rw /newroot /payload
# cache=loose: the lower tree never changes while the guest runs, and
# caching makes systemd's start noticeably faster under emulation.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro nvroot /lower ||
	fail "mounting the guest root (9p tag nvroot)"
mount -t tmpfs -o mode=0755 tmpfs /rw || fail "mounting the overlay's tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	fail "mounting the overlay"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro nvpayload /payload ||
	fail "mounting the payload (9p tag nvpayload)"
cp -a /payload/root/. /newroot/ || fail "copying the payload into the guest"
umount /payload

umount /proc /sys
mount --move /dev /newroot/dev || umount /dev
exec switch_root /newroot /sbin/init
