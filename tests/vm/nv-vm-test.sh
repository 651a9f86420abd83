#!/bin/sh
# The vm suite: nestedvirt end to end on a real kernel.
#
#   nv-vm-test.sh SRCDIR WORKDIR
#
# Boots Debian's own kernel under qemu's software emulation (TCG), which
# emulates AMD SVM, so the real kvm_amd loads and its nested parameter can
# be switched; kvm_intel cannot be tested this way (TCG has no VMX). The
# guest is a Debian bookworm root (debootstrap, cached in WORKDIR/cache)
# shared read-only over 9p under a tmpfs overlay. The project comes as its
# Debian packages (debian/), which the guest installs with apt-get, uses,
# upgrades while the daemon runs and purges. systemd, dbus-daemon, polkitd
# and the D-Bus-activated nestedvirtd are the real ones. The in-guest test
# (nv-vm-guest-test.sh) writes TAP between markers to the second serial
# port; this script checks the markers and passes the TAP on to meson.
# On any failure it prints the guest's serial console.
#
# After its own tests the guest waits (NV-VM-GUEST-READY) for the tests
# from this machine over ssh (nv-vm-host-test.sh): the guest runs sshd
# with a host key and an authorized key made for this run, qemu's user
# network (restrict=on: the guest reaches nothing) forwards a free port
# on 127.0.0.1 to it, and nestedvirtctl -H and ansible-playbook act on the
# guest through it. This script numbers the test points of both and
# writes the plan.
#
# It changes nothing on the host outside WORKDIR: no mounts (debootstrap's
# own mounts inside its target are undone by debootstrap), no packages
# (tools/install-deps.sh installs qemu-system-x86, debootstrap,
# busybox-static, cpio, kmod, and openssh-client, ansible-core and jq for
# the tests over ssh, and dpkg-dev and debhelper to build the packages
# when NV_VM_DEBS does not name them). It exits 77 (skip) only where qemu or the
# kernel package cannot be had, or when not root; with CI=true those are
# failures, because CI must run this suite.
set -eu

srcdir=$(cd "$1" && pwd)
workdir=$2
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)

cache=$workdir/cache
run=$workdir/run
start=$(date +%s)

# Bounds, in seconds. The guest takes 150 to 400 s on 2 busy cores for its
# own tests, the tests over ssh 400 to 600 s more (each ssh session, a
# logind session in the guest, costs seconds under emulation).
qemu_timeout=${NV_VM_QEMU_TIMEOUT:-1800}
step_timeout=600
host_timeout=1200

# The guest's packages: systemd as init, udev (it loads kvm_amd at boot),
# the system bus, polkitd (with libpam-systemd, which it needs named), kmod
# for the real modprobe, every dependency of the project's packages, which
# the guest installs offline (libvirt is dlopen()ed and recommended;
# libvirt0 brings its test driver for the domain verbs; GTK 4 and
# libadwaita for nestedvirt-settings, and a session bus for their dconf,
# which debootstrap does not choose by itself), jq, dbus-send, setpriv and
# useradd for the test itself, and openssh-server and python3 (what
# Ansible's modules run with) for the tests over ssh.
guest_packages=systemd,systemd-sysv,libpam-systemd,udev,dbus,dbus-bin,polkitd,kmod,jq,libglib2.0-0,libpolkit-gobject-1-0,libpolkit-agent-1-0,libkmod2,libjson-glib-1.0-0,libxml2,libsystemd0,libvirt0,libgtk-4-1,libadwaita-1-0,dbus-user-session,openssh-server,python3
suite=bookworm

log() {
	printf '# [%3ss] %s\n' "$(($(date +%s) - start))" "$*"
}

# skip, print_logs
# shellcheck source=tests/vm/nv-vm-lib.sh
. "$srcdir/tests/vm/nv-vm-lib.sh"

bail() {
	echo "Bail out! $*"
	dump_console
	exit 1
}

dump_console() {
	print_logs "$run/console.log" "$run/results.log"
}

# Children are killed and waited for: nothing reaps orphans here.
child=
host_child=
debootstrap_target=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ -n "$host_child" ]; then
		kill -TERM "$host_child" 2>/dev/null || true
		wait "$host_child" 2>/dev/null || true
	fi
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	# Only mounts inside our own target, deepest first; never the host's.
	if [ -n "$debootstrap_target" ]; then
		awk -v t="$debootstrap_target/" 'index($2, t) == 1 { print $2 }' /proc/self/mounts |
			sort -r | while read -r m; do umount -l "$m" || true; done
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# run_bounded LOGFILE COMMAND...: a step in the background, bounded, so
# that a signal to this script still reaches it through cleanup().
run_bounded() {
	logfile=$1
	shift
	timeout --kill-after=10 "$step_timeout" "$@" >"$logfile" 2>&1 &
	child=$!
	if wait "$child"; then
		child=
		return 0
	fi
	child=
	echo "# '$*' failed; its log ($logfile):"
	sed 's/^/#   /' "$logfile" | tail -n 40
	return 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, and qemu reading a root-owned tree)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (package qemu-system-x86)"
for tool in debootstrap busybox cpio depmod modprobe dpkg-deb apt-get \
	ssh ssh-keygen ansible-playbook ansible-galaxy jq; do
	command -v "$tool" >/dev/null || bail "$tool not installed: run tools/install-deps.sh"
done
# busybox must be static: it is the initramfs's only program.
busybox=$(command -v busybox)
if ldd "$busybox" >/dev/null 2>&1; then
	bail "$busybox is dynamically linked: install busybox-static"
fi

mkdir -p "$cache" "$run"

# The mirror apt already uses, from deb822 sources or a one-line list.
mirror=$(
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ && $2 ~ /\/debian\/?$/ { print $2; exit }'
)
if [ -z "$mirror" ]; then
	mirror=$(
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }'
	)
fi
mirror=${mirror:-http://deb.debian.org/debian}

# --- the kernel: Debian's package, extracted, never installed on the host.
log "kernel package"
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
if [ -z "$kpkg" ]; then
	apt-get update -qq >/dev/null 2>&1 || true
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
fi
[ -n "$kpkg" ] || skip "apt has no linux-image-amd64 to take the kernel from"
kver=${kpkg#linux-image-}
kdir=$cache/kernel-$kver
if [ ! -e "$kdir/.done" ]; then
	rm -rf "$kdir"
	mkdir -p "$kdir"
	# apt's sandbox user cannot write into a root-owned build directory.
	(cd "$kdir" && run_bounded "$kdir/download.log" apt-get -o APT::Sandbox::User=root download "$kpkg") ||
		skip "cannot download the kernel package $kpkg"
	dpkg-deb -x "$kdir"/*.deb "$kdir/tree"
	rm -f "$kdir"/*.deb
	# The package's postinst would run depmod; -b keeps it in our tree.
	depmod -b "$kdir/tree" "$kver"
	touch "$kdir/.done"
fi
vmlinuz=$kdir/tree/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || bail "no $vmlinuz in $kpkg"

# --- the guest root, rebuilt when the package list or the kernel changes.
root=$cache/root
root_key="$suite $mirror $guest_packages $kver"
if [ ! -e "$root/.nv-vm-done" ] || [ "$(cat "$root/.nv-vm-done")" != "$root_key" ]; then
	log "debootstrap $suite from $mirror (cached in $root afterwards)"
	rm -rf "$root" "$root.new"
	# In two stages, so that dpkg in the second one runs with
	# force-unsafe-io: a throw-away tree needs no fsync after every file,
	# and that is most of debootstrap's time on a slow disk.
	run_bounded "$cache/debootstrap.log" \
		debootstrap --foreign --variant=minbase --include="$guest_packages" "$suite" "$root.new" "$mirror" ||
		bail "debootstrap (first stage) failed"
	mkdir -p "$root.new/etc/dpkg/dpkg.cfg.d"
	echo force-unsafe-io >"$root.new/etc/dpkg/dpkg.cfg.d/nv-vm-unsafe-io"
	# The second stage mounts /proc and /sys inside the target and
	# unmounts them when it ends; cleanup() catches what a kill leaves.
	debootstrap_target=$root.new
	run_bounded "$cache/debootstrap-2.log" chroot "$root.new" /debootstrap/debootstrap --second-stage ||
		bail "debootstrap (second stage) failed"
	debootstrap_target=
	rm -f "$root.new/etc/dpkg/dpkg.cfg.d/nv-vm-unsafe-io"
	# The kernel's modules, where the guest's kmod and udev look for them.
	mkdir -p "$root.new/usr/lib/modules"
	cp -a "$kdir/tree/lib/modules/$kver" "$root.new/usr/lib/modules/"
	# No apt runs in the guest; its timers would only slow the boot.
	rm -rf "$root.new/var/cache/apt/archives/"*.deb
	printf '%s\n' "$root_key" >"$root.new/.nv-vm-done"
	mv "$root.new" "$root"
fi

# --- the project, as Debian packages: those of NV_VM_DEBS (a directory
# where tools/run-tests.sh built them), or built here by tools/deb-build.sh
# from a copy of the source tree (dpkg-buildpackage -b, without the tests
# that dh_auto_test runs: the other suites run them). The guest installs them with apt-get,
# then upgrades to the same packages repacked with a higher version (the
# same files and maintainer scripts: what is tested is the upgrade path,
# dpkg's and the scripts', not a second build).
log "the Debian packages"
debs=${NV_VM_DEBS:-}
if [ -z "$debs" ]; then
	debs=$workdir/deb
	DEB_BUILD_OPTIONS=nocheck timeout --kill-after=10 2400 \
		"$srcdir/tools/deb-build.sh" "$debs" -us -uc -b >"$workdir/deb-build.log" 2>&1 || {
		tail -n 40 "$workdir/deb-build.log" | sed 's/^/#   /'
		bail "tools/deb-build.sh failed (log: $workdir/deb-build.log)"
	}
fi
set -- "$debs"/nestedvirt_*.deb
[ $# -eq 1 ] && [ -f "$1" ] || bail "no single nestedvirt_*.deb in $debs"
deb_service=$1
set -- "$debs"/nestedvirt-settings_*.deb
[ $# -eq 1 ] && [ -f "$1" ] || bail "no single nestedvirt-settings_*.deb in $debs"
deb_settings=$1
version=$(dpkg-deb -f "$deb_service" Version)
upgrade_version=${version%-*}-$((${version##*-} + 1))
for f in usr/libexec/nestedvirtd usr/libexec/nestedvirtd-kvm-users usr/bin/nestedvirtctl \
	lib/systemd/system/nestedvirtd.service lib/systemd/system/nestedvirtd-kvm-users.socket \
	lib/systemd/system/nestedvirtd-kvm-users@.service \
	usr/share/dbus-1/system.d/org.example.NestedVirt.conf \
	usr/share/dbus-1/system-services/org.example.NestedVirt.service \
	usr/share/polkit-1/actions/org.example.NestedVirt.policy; do
	dpkg-deb -c "$deb_service" | awk '{ print $6 }' | grep -qx "./$f" || bail "${deb_service##*/} has no /$f"
done
stage=$run/payload/root
rm -rf "$run/payload" "$run/deb-root"
mkdir -p "$stage/var/lib/nv-vm/debs/install" "$stage/var/lib/nv-vm/debs/upgrade"
cp "$deb_service" "$deb_settings" "$stage/var/lib/nv-vm/debs/install/"
# The upgrade: each package with Version and the settings app's exact
# dependency on the service raised to $upgrade_version.
for deb in "$deb_service" "$deb_settings"; do
	tree=$run/repack
	rm -rf "$tree"
	dpkg-deb -R "$deb" "$tree"
	sed -i -e "s/^Version: $version\$/Version: $upgrade_version/" \
		-e "/^Depends:/s/(= $version)/(= $upgrade_version)/" "$tree/DEBIAN/control"
	grep -qx "Version: $upgrade_version" "$tree/DEBIAN/control" || bail "repacking ${deb##*/}: no Version $upgrade_version"
	name=$(dpkg-deb -f "$deb" Package)_${upgrade_version}_$(dpkg-deb -f "$deb" Architecture).deb
	dpkg-deb --root-owner-group -b "$tree" "$stage/var/lib/nv-vm/debs/upgrade/$name" \
		>/dev/null || bail "repacking ${deb##*/} failed"
	rm -rf "$tree"
done
# The client for the tests over ssh, from the package, run here.
dpkg-deb -x "$deb_service" "$run/deb-root"
ctl=$run/deb-root/usr/bin/nestedvirtctl
[ -x "$ctl" ] || bail "no usr/bin/nestedvirtctl in ${deb_service##*/}"
# debian/tests/service (autopkgtest), run in the guest on the installed package.
install -D -m 0755 "$srcdir/debian/tests/service" "$stage/usr/libexec/nv-vm/autopkgtest-service"

# The test and its unit; no getty on the consoles (the test owns them).
install -D -m 0755 "$srcdir/tests/vm/nv-vm-guest-test.sh" "$stage/usr/libexec/nv-vm/nv-vm-guest-test.sh"
install -D -m 0644 "$srcdir/tests/vm/nv-vm-lib.sh" "$stage/usr/libexec/nv-vm/nv-vm-lib.sh"
install -D -m 0644 "$srcdir/tests/vm/nv-vm-test.service" "$stage/etc/systemd/system/nv-vm-test.service"
mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
ln -s ../nv-vm-test.service "$stage/etc/systemd/system/multi-user.target.wants/nv-vm-test.service"
for masked in serial-getty@ttyS0.service serial-getty@ttyS1.service getty@tty1.service \
	apt-daily.timer apt-daily-upgrade.timer; do
	ln -s /dev/null "$stage/etc/systemd/system/$masked"
done
ln -sf /usr/lib/systemd/system/multi-user.target "$stage/etc/systemd/system/default.target"

# --- ssh: keys made for this run, a free loopback port for qemu to forward.
# free_port: a port on 127.0.0.1 that nothing listens on now.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
closed_port=$(free_port)
[ "$port" != "$closed_port" ] || closed_port=$(free_port)
sshdir=$run/ssh
rm -rf "$sshdir"
mkdir -p -m 0700 "$sshdir" "$sshdir/bin"
for key in id_ed25519 id_refused host_ed25519_key; do
	ssh-keygen -q -t ed25519 -N '' -C "nv-vm-$key" -f "$sshdir/$key" || bail "ssh-keygen failed"
done
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d ' ' -f 1,2 "$sshdir/host_ed25519_key.pub")" >"$sshdir/known_hosts"
for config in config:id_ed25519 config-refused:id_refused; do
	cat >"$sshdir/${config%%:*}" <<SSHCONFIG
Host 127.0.0.1
	IdentityFile $sshdir/${config#*:}
	IdentitiesOnly yes
	UserKnownHostsFile $sshdir/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 300
	ControlMaster no
SSHCONFIG
done
# sd-bus runs "ssh" from PATH; this one takes the run's configuration.
printf '#!/bin/sh\nexec %s -F "${NV_VM_SSH_CONFIG:?}" "$@"\n' "$(command -v ssh)" >"$sshdir/bin/ssh"
chmod 0755 "$sshdir/bin/ssh"

# The guest's side: the host key, root's authorized key, sshd with keys
# only, and systemd-networkd giving the NIC qemu's user-network address.
install -D -m 0600 "$sshdir/host_ed25519_key" "$stage/etc/ssh/nv-vm/ssh_host_ed25519_key"
install -D -m 0600 "$sshdir/id_ed25519.pub" "$stage/root/.ssh/authorized_keys"
chmod 0700 "$stage/root" "$stage/root/.ssh"
mkdir -p "$stage/etc/ssh/sshd_config.d" "$stage/etc/systemd/network" "$stage/etc/systemd/system/sockets.target.wants"
cat >"$stage/etc/ssh/sshd_config.d/nv-vm.conf" <<'SSHDCONFIG'
# The vm suite's sshd: this run's host key, public keys only.
HostKey /etc/ssh/nv-vm/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
SSHDCONFIG
cat >"$stage/etc/systemd/network/10-nv-vm.network" <<'NETWORK'
[Match]
Type=ether

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
LinkLocalAddressing=no
IPv6AcceptRA=no
NETWORK
ln -s /lib/systemd/system/systemd-networkd.service "$stage/etc/systemd/system/multi-user.target.wants/"
ln -s /lib/systemd/system/systemd-networkd.socket "$stage/etc/systemd/system/sockets.target.wants/"
# A symlink to an absolute path: dangling here, hence -L.
[ -L "$root/etc/systemd/system/multi-user.target.wants/ssh.service" ] ||
	ln -s /lib/systemd/system/ssh.service "$stage/etc/systemd/system/multi-user.target.wants/"

# --- the initramfs: static busybox, the modules for 9p and overlay, /init.
log "initramfs"
initrd=$run/initramfs
rm -rf "$initrd"
mkdir -p "$initrd/bin" "$initrd/sbin" "$initrd/modules" "$initrd/proc" "$initrd/sys" "$initrd/dev"
cp "$busybox" "$initrd/bin/busybox"
for applet in sh mount umount insmod mkdir cp switch_root poweroff cat echo; do
	ln -s busybox "$initrd/bin/$applet"
done
install -m 0755 "$srcdir/tests/vm/nv-vm-init.sh" "$initrd/init"
: >"$initrd/modules/order"
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -d "$kdir/tree" -S "$kver" --show-depends "$m" |
		awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$ko" "$initrd/modules/"
	basename "$ko" >>"$initrd/modules/order"
done
[ -s "$initrd/modules/order" ] || bail "no modules resolved for the initramfs"
(cd "$initrd" && find . | cpio -o -H newc --quiet | gzip -1) >"$run/initramfs.cpio.gz"

# --- the guest.
log "booting $kver under qemu TCG (-cpu EPYC), at most ${qemu_timeout}s"
rm -f "$run/console.log" "$run/results.log"
# -cpu EPYC: an AMD model with SVM that TCG emulates (Opteron_G5 hangs).
# -no-reboot: a panic or the test's poweroff ends qemu.
# Without MALLOC_PERTURB_, which meson test sets for every test: glibc then
# fills each allocation and free, and qemu's emulation runs nearly twice as
# slow; qemu is not what this suite tests.
env -u MALLOC_PERTURB_ timeout --kill-after=10 "$qemu_timeout" qemu-system-x86_64 \
	-nodefaults -no-user-config -display none -no-reboot \
	-machine pc -accel tcg -cpu EPYC -smp 2 -m 1024 \
	-kernel "$vmlinuz" -initrd "$run/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 systemd.show_status=auto" \
	-serial "file:$run/console.log" -serial "file:$run/results.log" \
	-netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.15:22" \
	-device virtio-net-pci,netdev=net0 \
	-virtfs "local,path=$root,mount_tag=nvroot,security_model=none,readonly=on" \
	-virtfs "local,path=$run/payload,mount_tag=nvpayload,security_model=none,readonly=on" \
	>"$run/qemu.log" 2>&1 &
child=$!
# When the guest's own tests are done, the tests over ssh run from here,
# in the background so that a signal still reaches them through
# cleanup(); the last of them tells the guest to end its run.
# The guest powers off when its test ends. Should that shutdown hang, the
# results are complete all the same: once the end marker is there, qemu
# gets a grace period and is then stopped; and once the tests over ssh are
# done, the end marker must come within five minutes (the guest polls for
# their end, then writes it at once).
grace=5
ended=
host_ran=
: >"$run/host.tap"
while kill -0 "$child" 2>/dev/null; do
	if [ -z "$host_ran" ] && grep -q 'NV-VM-GUEST-READY' "$run/results.log" 2>/dev/null; then
		log "the guest's own tests are done: the tests over ssh (127.0.0.1:$port)"
		timeout --kill-after=10 "$host_timeout" "$srcdir/tests/vm/nv-vm-host-test.sh" "$srcdir" "$sshdir" \
			"$port" "$closed_port" "$ctl" >"$run/host.tap" 2>&1 &
		host_child=$!
		host_status=0
		wait "$host_child" || host_status=$?
		host_child=
		host_ran=$(date +%s)
		log "the tests over ssh ended (status $host_status)"
	fi
	if [ -z "$ended" ] && grep -q 'NV-VM-TAP-END' "$run/results.log" 2>/dev/null; then
		ended=$(date +%s)
	fi
	if [ -z "$ended" ] && [ -n "$host_ran" ] && [ $(($(date +%s) - host_ran)) -ge 300 ]; then
		log "no end marker from the guest 300 s after the tests over ssh: stopping qemu"
		kill -TERM "$child" 2>/dev/null || true
		break
	fi
	if [ -n "$ended" ] && [ $(($(date +%s) - ended)) -ge "$grace" ]; then
		log "the guest did not power off ${grace}s after its test ended: stopping qemu"
		kill -TERM "$child" 2>/dev/null || true
		break
	fi
	sleep 1
done
qemu_status=0
wait "$child" || qemu_status=$?
child=
log "qemu exited with status $qemu_status"
if [ -n "$ended" ] || [ -n "$host_ran" ]; then
	qemu_status=0
elif [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
	cat "$run/qemu.log" >&2
	bail "the guest did not finish within ${qemu_timeout}s"
fi
if [ "$qemu_status" -ne 0 ]; then
	cat "$run/qemu.log" >&2
	bail "qemu failed (status $qemu_status)"
fi

# --- the results: the guest's TAP between the markers with the tests
# over ssh in the middle, numbered in one sequence, passed on to meson.
tr -d '\r' <"$run/results.log" >"$run/results.tap"
grep -qx 'NV-VM-TAP-BEGIN' "$run/results.tap" || bail "the guest test never started (no NV-VM-TAP-BEGIN)"
grep -qx 'NV-VM-GUEST-READY' "$run/results.tap" || {
	sed -n '/^NV-VM-TAP-BEGIN$/,$p' "$run/results.tap" | sed 1d
	bail "the guest test did not finish (no NV-VM-GUEST-READY)"
}
{
	sed -n '/^NV-VM-TAP-BEGIN$/,/^NV-VM-GUEST-READY$/p' "$run/results.tap" | sed '1d;$d'
	cat "$run/host.tap"
	grep -q '^ok ' "$run/host.tap" || echo "not ok - the tests over ssh ran"
	sed -n '/^NV-VM-GUEST-READY$/,/^NV-VM-TAP-END$/p' "$run/results.tap" | sed '1d;/^NV-VM-TAP-END$/d'
	grep -qx 'NV-VM-TAP-END' "$run/results.tap" || echo "not ok - the guest ended its run (NV-VM-TAP-END)"
} | awk '
	/^ok( |$)/ { n++; sub(/^ok( [0-9]+)?/, "ok " n); print; next }
	/^not ok( |$)/ { n++; sub(/^not ok( [0-9]+)?/, "not ok " n); print; next }
	{ print }
	END { print "1.." n }
' >"$run/all.tap"
cat "$run/all.tap"
log "suite wall time: $(($(date +%s) - start)) s"
if grep -q '^not ok' "$run/all.tap"; then
	dump_console
	exit 1
fi
exit 0
