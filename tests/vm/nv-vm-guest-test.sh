#!/bin/bash
# The vm suite's tests, run inside the qemu guest by nv-vm-test.service as
# root, on Debian's kernel with the real kvm_amd (qemu's TCG emulates AMD
# SVM), the real system bus, D-Bus activation of the installed
# nestedvirtd.service and the real polkitd. The project comes as its
# Debian packages: installed with apt-get first, upgraded while the daemon
# runs and purged last, after the tests over ssh.
#
# Results are TAP test points, written between the markers
# NV-VM-TAP-BEGIN and NV-VM-TAP-END to the serial port given as $1 (the
# second one, so that kernel and systemd messages on the first cannot
# interleave with them). After its own tests it writes NV-VM-GUEST-READY
# and waits until the test machine's tests over ssh (nv-vm-host-test.sh)
# create /run/nv-vm-host-done; the driver numbers both sets of test points
# and writes the plan.
# Everything is echoed to stdout too, which the unit sends to the journal
# and the console for the driver's failure log.
set -u

results=${1:-/dev/ttyS1}
exec 7>"$results"

module=kvm_amd
param=/sys/module/$module/parameters/nested
conf=/etc/modprobe.d/kvm.conf
user=nv-vm-user
bus_name=org.example.NestedVirt
object=/org/example/NestedVirt
iface=org.example.NestedVirt
err=org.example.NestedVirt.Error
# Every command that could hang is bounded, and every wait is a poll
# that ends as soon as what it waits for is there. The bounds only turn
# a hang into a failed test point: under TCG on a busy machine a
# depmod, a modprobe or a polkit check may take minutes, and no check may
# depend on finishing sooner. The driver bounds the guest as a whole.
patience=600
bound=(timeout --kill-after=5 "$patience")

n=0
failed=0
holder_pid=
other_pid=
monitor_pid=

emit() {
	printf '%s\n' "$*" >&7
	printf 'nv-vm: %s\n' "$*"
}

ok() {
	n=$((n + 1))
	emit "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	emit "not ok $n - $1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /' >&7
		printf '%s\n' "$line" | sed 's/^/nv-vm: # /'
	done
}

# check, json_key_is, wait_until.
. "${0%/*}/nv-vm-lib.sh"

# fixture DESCRIPTION COMMAND...: a step that sets up what the next checks
# need, or confirms it was set up. Silent when it holds; otherwise a test
# point "not ok N - fixture: DESCRIPTION", apart from the product's
# checks, with the command's output, and it returns 1 so that the checks
# that depend on it are not run (they would fail for the fixture's
# sake, and their failures would point at the product).
fixture() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		diag "fixture: $desc"
		return 0
	fi
	not_ok "fixture: $desc" "command: $*" "$out"
	return 1
}

# diag TEXT: a TAP comment, one per line of TEXT.
diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do
		emit "# $line"
	done
}

cleanup() {
	[ -z "$monitor_pid" ] || kill "$monitor_pid" 2>/dev/null
	local pid
	for pid in $holder_pid $other_pid; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}
trap cleanup EXIT

nested_is() {
	local want=$1 got
	got=$(cat "$param" 2>&1)
	[ "$got" = "$want" ] || {
		echo "$param is '$got', expected '$want'"
		return 1
	}
}

conf_says() {
	local want=$1
	grep -qx "options $module nested=$want" "$conf" || {
		echo "$conf does not say 'options $module nested=$want':"
		cat "$conf" 2>&1
		return 1
	}
}

status_json() {
	"${bound[@]}" nestedvirtctl status --json
}

# json_is KEY JQ-VALUE [JSON]: the status key has that value, in JSON or
# in a status read now (each nestedvirtctl run costs a second under TCG).
json_is() {
	local key=$1 want=$2 json=${3-}
	if [ -z "$json" ]; then
		json=$(status_json) || {
			echo "nestedvirtctl status --json failed: $json"
			return 1
		}
	fi
	json_key_is "$key" "$want" "$json"
}

# call_as USER METHOD ARGS...: a call without the interactive flag, as
# dbus-send makes it; prints dbus-send's reply or its "Error NAME: ..."
call_as() {
	local who=$1
	shift
	local method=$1
	shift
	if [ "$who" = root ]; then
		"${bound[@]}" dbus-send --system --print-reply --dest=$bus_name $object "$iface.$method" "$@" 2>&1
	else
		"${bound[@]}" setpriv --reuid="$who" --regid="$who" --init-groups \
			dbus-send --system --print-reply --dest=$bus_name $object "$iface.$method" "$@" 2>&1
	fi
}

as_user() {
	"${bound[@]}" setpriv --reuid="$user" --regid="$user" --init-groups "$@"
}

# fails COMMAND...: the command exits non-zero.
fails() {
	if "$@"; then
		echo "succeeded, expected a failure: $*"
		return 1
	fi
	return 0
}

# replies_with TEXT USER METHOD ARGS...: the call succeeds and its reply
# contains TEXT.
replies_with() {
	local text=$1 out
	shift
	out=$(call_as "$@") && case $out in *"$text"*) return 0 ;; esac
	echo "expected a reply with $text, got:"
	echo "$out"
	return 1
}

# denied USER METHOD ARGS...: the call fails with polkit's denial.
denied() {
	local out
	out=$(call_as "$@")
	case $out in
	*"Error org.freedesktop.DBus.Error.AccessDenied"* | \
		*"Error org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"*)
		echo "$out"
		return 0
		;;
	esac
	echo "expected AccessDenied or InteractiveAuthorizationRequired, got:"
	echo "$out"
	return 1
}

# refused_with NAME USER METHOD ARGS...: the call fails with that error.
refused_with() {
	local name=$1 out
	shift
	out=$(call_as "$@")
	case $out in
	*"Error $name"*)
		echo "$out"
		return 0
		;;
	esac
	echo "expected $name, got:"
	echo "$out"
	return 1
}

# watch_signals FILE: from now on, dbus-monitor writes the daemon's
# PropertiesChanged signals to FILE; returns once it listens (it prints the
# NameLost of its own name when it has become a monitor).
watch_signals() {
	local file=$1
	dbus-monitor --system "type='signal',path='$object',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'" \
		>"$file" 2>&1 &
	monitor_pid=$!
	wait_until "$patience" grep -q 'member=NameLost' "$file" || {
		echo "dbus-monitor did not start listening:"
		cat "$file"
		return 1
	}
}

# signals_name FILE N PROPERTY: FILE holds N PropertiesChanged signals
# that name PROPERTY.
signals_name() {
	local file=$1 want=$2 property=$3 got
	got=$(grep -c "string \"$property\"" "$file")
	[ "$got" -ge "$want" ] || {
		echo "$got of $want PropertiesChanged signals name $property:"
		cat "$file"
		return 1
	}
}

# announced FILE N PROPERTY: FILE comes to hold N PropertiesChanged
# signals that name PROPERTY.
announced() {
	wait_until "$patience" signals_name "$@"
}

# says FILE PROPERTY VALUE: a signal in FILE gives PROPERTY that value, as
# dbus-monitor prints it (e.g. 'string "0"').
says() {
	local file=$1 property=$2 value=$3
	tr -s ' \n' '  ' <"$file" | grep -qF "string \"$property\" variant $value" || {
		echo "no signal gives $property the value $value:"
		cat "$file"
		return 1
	}
}

# daemon_pid: the running nestedvirtd's pid (0 when it is not running).
daemon_pid() {
	systemctl show -p MainPID --value nestedvirtd.service
}

# caps_are PID HEX: the process's permitted, effective and bounding
# capability sets are all HEX, as /proc/PID/status writes them.
caps_are() {
	local pid=$1 want=$2 field got
	for field in CapPrm CapEff CapBnd; do
		got=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status" 2>&1)
		[ "$got" = "$want" ] || {
			echo "$field of pid $pid is '$got', expected $want"
			grep '^Cap' "/proc/$pid/status" 2>&1
			return 1
		}
	done
}

socket_for_root() {
	local path=/run/nestedvirtd-kvm-users.socket got
	got=$(stat -c '%F %a %U' "$path" 2>&1)
	[ "$got" = "socket 600 root" ] || {
		echo "$path: '$got', expected 'socket 600 root'"
		return 1
	}
}

# helper_ran N: the scan helper's socket accepted at least N connections,
# and none of its services is still running or failed.
helper_ran() {
	local want=$1 accepted left
	accepted=$(systemctl show -p NAccepted --value nestedvirtd-kvm-users.socket)
	[ "${accepted:-0}" -ge "$want" ] || {
		echo "nestedvirtd-kvm-users.socket accepted ${accepted:-0} connections, expected $want or more"
		return 1
	}
	wait_until "$patience" no_helper_units
}

# no_helper_units: no instance of the scan helper's service is loaded.
no_helper_units() {
	local left
	left=$(systemctl list-units --all --no-legend --plain 'nestedvirtd-kvm-users@*' 2>&1)
	[ -z "$left" ] || {
		echo "left behind:"
		echo "$left"
		return 1
	}
}

# own_netns PID: the process is in another network namespace than PID 1.
own_netns() {
	local ours theirs
	ours=$(readlink "/proc/$1/ns/net") && theirs=$(readlink /proc/1/ns/net) || return 1
	[ "$ours" != "$theirs" ] || {
		echo "pid $1 is in the host's network namespace ($ours)"
		return 1
	}
}

unchanged() {
	local before=$1 after
	after=$(cat "$param" 2>&1; cat "$conf" 2>&1)
	[ "$before" = "$after" ] || {
		printf 'state changed:\n--- before\n%s\n--- after\n%s\n' "$before" "$after"
		return 1
	}
}

module_loaded() {
	[ -d "/sys/module/$module" ] || {
		echo "$module is not loaded"
		return 1
	}
}

emit "NV-VM-TAP-BEGIN"
diag "kernel $(uname -r), $(grep -m1 '^model name' /proc/cpuinfo)"

# --- The packages: installed with apt-get from the .deb files alone (the
# guest has no network; every dependency is in its root already), and
# what installing does to the host as debian/README.Debian says: nothing
# started or enabled, systemd told about the units.
debs=/var/lib/nv-vm/debs
export DEBIAN_FRONTEND=noninteractive
apt_install() {
	"${bound[@]}" apt-get install -y -q -o Dpkg::Use-Pty=0 "$@"
}
installed_version() {
	local pkg=$1 want=$2 got
	got=$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>&1)
	[ "$got" = "install ok installed $want" ] || {
		echo "$pkg: '$got', expected 'install ok installed $want'"
		return 1
	}
}
# unit_state UNIT ACTIVE ENABLED: systemctl says so of UNIT.
unit_state() {
	local got
	got="$(systemctl is-active "$1" 2>&1) $(systemctl is-enabled "$1" 2>&1)"
	[ "$got" = "$2 $3" ] || {
		echo "$1 is '$got', expected '$2 $3'"
		return 1
	}
}
# files_present PKG: each file dpkg lists for PKG is there.
files_present() {
	local f missing=""
	while IFS= read -r f; do
		[ -e "$f" ] || [ -L "$f" ] || missing="$missing $f"
	done < <(dpkg -L "$1")
	[ -z "$missing" ] || {
		echo "missing:$missing"
		return 1
	}
}
install_version=$(dpkg-deb -f "$(echo $debs/install/nestedvirt_*.deb)" Version 2>&1)
fixture "the packages' .deb files are in $debs (version $install_version)" \
	test -f "$(echo $debs/install/nestedvirt-settings_*.deb)"
check "apt-get install ./nestedvirt_*.deb ./nestedvirt-settings_*.deb (offline)" \
	apt_install "$(echo $debs/install/nestedvirt_*.deb)" "$(echo $debs/install/nestedvirt-settings_*.deb)"
check "nestedvirt $install_version is installed" installed_version nestedvirt "$install_version"
check "nestedvirt-settings $install_version is installed" installed_version nestedvirt-settings "$install_version"
check "installing started nothing: nestedvirtd.service inactive, static" \
	unit_state nestedvirtd.service inactive static
check "installing started nothing: nestedvirtd-kvm-users.socket inactive, static" \
	unit_state nestedvirtd-kvm-users.socket inactive static
check "systemd knows the packaged unit (/lib/systemd/system/nestedvirtd.service)" \
	test "$(systemctl show -p FragmentPath --value nestedvirtd.service)" = /lib/systemd/system/nestedvirtd.service
check "every file of nestedvirt is there" files_present nestedvirt
check "every file of nestedvirt-settings is there" files_present nestedvirt-settings
for f in /usr/bin/nestedvirt-settings /usr/share/applications/org.example.NestedVirt.Settings.desktop \
	/usr/share/metainfo/org.example.NestedVirt.Settings.metainfo.xml \
	/usr/share/icons/hicolor/scalable/apps/org.example.NestedVirt.Settings.svg; do
	check "nestedvirt-settings ships $f" sh -c "dpkg -S '$f' | grep -q '^nestedvirt-settings: '"
done
# The package's own autopkgtest (debian/tests/service): D-Bus activation,
# GetStatus, the status for nobody, polkit's refusal.
check "debian/tests/service (autopkgtest) passes on the installed package" \
	"${bound[@]}" /usr/libexec/nv-vm/autopkgtest-service

# nestedvirtd exits after 30 s without a call. Under TCG on a busy machine
# two calls here can be further apart than that, and a check that waits
# for the daemon's signal, or looks at its process, would find it gone:
# it stays for the whole run (D-Bus still activates it, by its unit; the
# one that the autopkgtest above activated is stopped).
dropin=/run/systemd/system/nestedvirtd.service.d/nv-vm.conf
stay_up() {
	mkdir -p "${dropin%/*}" &&
		printf '[Service]\nExecStart=\nExecStart=/usr/libexec/nestedvirtd --idle-timeout=0\n' >"$dropin" &&
		systemctl daemon-reload &&
		systemctl stop nestedvirtd.service
}
fixture "nestedvirtd runs without an idle timeout" stay_up

# udev loads kvm_amd during coldplug (with nested=1, kvm_amd's default);
# once udev has handled the coldplug's events, it has or never will.
fixture "udev handled the coldplug events (udevadm settle)" udevadm settle --timeout="$patience"

# Who this is: the guest of a software-emulated AMD CPU with SVM.
check "the CPU has the svm flag" grep -qw svm /proc/cpuinfo
check "udev loaded $module with nested=1" wait_until "$patience" nested_is 1
status=$(status_json 2>&1) || true
diag "status: $(printf '%s' "$status" | jq -c . 2>&1)"
check "status --json: CpuVendor amd" json_is CpuVendor '"amd"' "$status"
check "status --json: VendorModule $module" json_is VendorModule "\"$module\"" "$status"
check "status --json: HardwareVirtualization (svm)" json_is HardwareVirtualization true "$status"
check "status --json: KvmLoaded" json_is KvmLoaded true "$status"
check "status --json: VendorModuleLoaded" json_is VendorModuleLoaded true "$status"
check "status --json: VendorModuleBuiltin false" json_is VendorModuleBuiltin false "$status"
check "status --json: NestedEnabled" json_is NestedEnabled true "$status"
check "status --json: NestedParameter 1" json_is NestedParameter '"1"' "$status"
check "status --json: InVirtualMachine" json_is InVirtualMachine true "$status"
# TCG's CPUID signature is TCGTCGTCGTCG; the DMI vendor says QEMU.
check "status --json: Hypervisor qemu" json_is Hypervisor '"qemu"' "$status"
check "status --json: PersistentNested default" json_is PersistentNested '"default"' "$status"
check "nestedvirtd was started by D-Bus activation of its unit" \
	systemctl is-active --quiet nestedvirtd.service
# Root with CAP_SYS_MODULE alone; the scan of /dev/kvm's holders is the
# helper's, whose socket the daemon's unit pulls in (Wants=).
check "nestedvirtd has CAP_SYS_MODULE alone (permitted, effective, bounding)" \
	caps_are "$(daemon_pid)" 0000000000010000
check "nestedvirtd-kvm-users.socket was started with nestedvirtd.service" \
	systemctl is-active --quiet nestedvirtd-kvm-users.socket
check "/run/nestedvirtd-kvm-users.socket is a socket only root may use" socket_for_root
check "status --json: Container '' (PID 1's environment unreadable)" json_is Container '""' "$status"

# disable --now / enable --now, as root (polkit always allows uid 0).
check "nestedvirtctl disable --now" "${bound[@]}" nestedvirtctl --no-ask-password disable --now
check "disable --now: $param is 0" nested_is 0
check "disable --now: $conf says nested=0" conf_says 0
check "disable --now: status agrees" json_is NestedEnabled false
check "disable --now: PersistentSource is $conf" json_is PersistentSource "\"$conf\""
check "nestedvirtctl enable --now" "${bound[@]}" nestedvirtctl --no-ask-password enable --now
check "enable --now: $param is 1" nested_is 1
check "enable --now: $conf says nested=1" conf_says 1
check "enable --now: ReloadRequired false" json_is ReloadRequired false

# disable without --now writes the file only; the real modprobe honours it.
check "nestedvirtctl disable" "${bound[@]}" nestedvirtctl --no-ask-password disable
check "disable: $param still 1" nested_is 1
check "disable: ReloadRequired true" json_is ReloadRequired true
# No call to the daemon from here to the last "announced": a listener
# learns of the unload and the load from the daemon alone, which hears the
# kernel's uevents although the unit gives it its own network namespace.
nvd=$(daemon_pid)
check "nestedvirtd (pid $nvd) has a network namespace of its own" own_netns "$nvd"
signals=$(mktemp)
check "dbus-monitor listens for PropertiesChanged" watch_signals "$signals"
check "modprobe -r $module" "${bound[@]}" /sbin/modprobe -r $module
check "the unload is announced without a call (VendorModuleLoaded)" announced "$signals" 1 VendorModuleLoaded
check "modprobe $module" "${bound[@]}" /sbin/modprobe $module
check "the load is announced without a call (VendorModuleLoaded)" announced "$signals" 2 VendorModuleLoaded
check "the load's announcement gives NestedParameter 0 (from $conf)" says "$signals" NestedParameter 'string "0"'
kill "$monitor_pid" 2>/dev/null
wait "$monitor_pid" 2>/dev/null
monitor_pid=
check "modprobe honours $conf: $param is 0" nested_is 0
check "status follows a load by someone else" json_is NestedEnabled false
check "nestedvirtctl enable --now again" "${bound[@]}" nestedvirtctl --no-ask-password enable --now
check "$param is 1 again" nested_is 1

# A call made as soon as modprobe returns sees what it did: the module's
# uevent, queued before modprobe returned, is taken ahead of the call.
check "modprobe -r $module, then at once" "${bound[@]}" /sbin/modprobe -r $module
check "status at once: VendorModuleLoaded false" json_is VendorModuleLoaded false
check "modprobe $module, then at once" "${bound[@]}" /sbin/modprobe $module
check "status at once: VendorModuleLoaded true" json_is VendorModuleLoaded true
check "status at once: NestedParameter 1" json_is NestedParameter '"1"'

# What the sandboxed daemon sees of the holder, for a failure's report.
daemon_view() {
	local pid
	pid=$(daemon_pid)
	echo "nestedvirtd pid $pid, $module refcnt $(cat /sys/module/$module/refcnt 2>&1)"
	echo "in its mount namespace: $(nsenter -t "$pid" -m ls -l /dev/kvm 2>&1)"
	echo "fd 3 of $holder_pid there: $(nsenter -t "$pid" -m readlink /proc/$holder_pid/fd/3 2>&1)"
	echo "nestedvirtd-kvm-users.socket: $(systemctl is-active nestedvirtd-kvm-users.socket 2>&1)," \
		"$(systemctl show -p NAccepted nestedvirtd-kvm-users.socket 2>&1)"
	journalctl --no-pager -n 20 -u nestedvirtd.service -u 'nestedvirtd-kvm-users@*' 2>&1
}

# with_daemon_view COMMAND...: runs COMMAND, and when it fails, adds
# daemon_view to what it printed.
with_daemon_view() {
	"$@" && return 0
	daemon_view
	return 1
}

# holds_kvm PID USER: PID runs `sleep` as USER with /dev/kvm open as its
# descriptor 3: the shell has opened it, and the command whose name the
# daemon reports has replaced the shell.
holds_kvm() {
	local pid=$1 who=$2 comm fd owner
	comm=$(cat "/proc/$pid/comm" 2>&1)
	fd=$(readlink "/proc/$pid/fd/3" 2>&1)
	owner=$(stat -c %U "/proc/$pid" 2>&1)
	if [ "$comm" != sleep ] || [ "$fd" != /dev/kvm ] || [ "$owner" != "$who" ]; then
		echo "pid $pid: comm '$comm', fd 3 '$fd', user '$owner'; expected sleep, /dev/kvm, $who"
		return 1
	fi
}

# users_named PID...: ListModuleUsers names each PID, as sleep, and so
# does nestedvirtctl status (which asks it only while the module is in
# use).
users_named() {
	local users text pid
	users=$(call_as root ListModuleUsers)
	text=$("${bound[@]}" nestedvirtctl status 2>&1)
	for pid in "$@"; do
		case $users in
		*"uint32 $pid"*'"sleep"'*) ;;
		*)
			echo "ListModuleUsers says $users, without $pid (sleep)"
			return 1
			;;
		esac
		case $text in
		*"$pid (sleep)"*) ;;
		*)
			echo "nestedvirtctl status does not name $pid (sleep):"
			echo "$text"
			return 1
			;;
		esac
	done
}

# reload_names_holder PID: ReloadModule's ModuleInUse names PID and sleep.
reload_names_holder() {
	local out
	out=$(call_as root ReloadModule boolean:false)
	case $out in
	*"$1"*sleep* | *sleep*"$1"*) ;;
	*)
		echo "$out"
		return 1
		;;
	esac
}

# A process holding /dev/kvm pins the module: ReloadModule must refuse
# with ModuleInUse, name the process and unload nothing.
sleep infinity 3</dev/kvm &
holder_pid=$!
if fixture "a process of root holds /dev/kvm (pid $holder_pid)" \
	wait_until "$patience" holds_kvm "$holder_pid" root; then
	check "ReloadModule refuses with ModuleInUse while /dev/kvm is open" \
		refused_with "$err.ModuleInUse" root ReloadModule boolean:false
	check "ModuleInUse names the holder ($holder_pid sleep)" \
		with_daemon_view reload_names_holder "$holder_pid"
	check "the module stays loaded" module_loaded
	check "nested is unchanged" nested_is 1
	check "the status says the module is in use (VendorModuleInUse)" json_is VendorModuleInUse true
	# A scan is at most a second old (longer where a scan is slow, ten
	# times its duration): asked until it names the holder.
	check "ListModuleUsers and status name the holder" \
		with_daemon_view wait_until "$patience" users_named "$holder_pid"
	check "nestedvirtctl reload fails while in use" \
		fails "${bound[@]}" nestedvirtctl --no-ask-password reload --nested=no
	# A holder of another user, as a libvirt-qemu QEMU is: /dev/kvm
	# opened by the shell, then the process runs as $user. The daemon
	# may read neither it nor the root holder above; the helper reads
	# both.
	useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null || true
	setpriv --reuid="$user" --regid="$user" --clear-groups sleep infinity 3</dev/kvm &
	other_pid=$!
	if fixture "a process of $user holds /dev/kvm (pid $other_pid)" \
		wait_until "$patience" holds_kvm "$other_pid" "$user"; then
		check "ListModuleUsers names the holder of user $user too ($other_pid)" \
			with_daemon_view wait_until "$patience" users_named "$holder_pid" "$other_pid"
	fi
	kill "$other_pid"
	wait "$other_pid" 2>/dev/null
	other_pid=
	check "the scan helper ran per connection and left nothing running" helper_ran 2
fi
kill "$holder_pid"
wait "$holder_pid" 2>/dev/null
holder_pid=

# An unprivileged user, outside any session, is denied each mutating
# method by polkit (no agent, no interactive flag); nothing changes.
useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null || true
before=$(cat "$param" 2>&1; cat "$conf" 2>&1)
check "$user may read the status" as_user nestedvirtctl status
check "$user: EnablePersistent denied" denied "$user" EnablePersistent boolean:false
check "$user: ReloadModule denied" denied "$user" ReloadModule boolean:false
check "$user: ConfigureDomain denied" denied "$user" ConfigureDomain string:guest1 string:host-passthrough
check "$user: nestedvirtctl disable --now fails" \
	fails as_user nestedvirtctl --no-ask-password disable --now
check "$user: nothing changed" unchanged "$before"
check "$user: the module stays loaded" module_loaded

# A person at a terminal: an unprivileged user in a login session (su -l,
# which registers it with logind through pam_systemd) on a pseudo-terminal
# that is the controlling terminal (--session-command: su -c would start a
# new session without one) runs `nestedvirtctl disable --now`. nestedvirtctl starts pkttyagent, and
# polkit asks on that terminal for the password of an administrator (a
# member of group sudo, per Debian's polkit rules), once for each action.
# This plays the person: it reads the terminal until "Password: ", waits
# until the agent has turned echo off (the agent flushes earlier input
# when it does), and types.
person=nv-vm-person
admin=nv-vm-admin
admin_password=nv-vm-admin-pw
useradd --create-home --shell /bin/bash "$person" 2>/dev/null || true
useradd --create-home --shell /bin/bash --groups sudo "$admin" 2>/dev/null || true
printf '%s:%s\n' "$admin" "$admin_password" | chpasswd

# echo_off TTY: the terminal does not echo what is typed.
echo_off() {
	stty -F "$1" -a | grep -qw -- -echo
}

# at_terminal PASSWORD COMMAND: runs COMMAND as $person in a login session
# on a new pseudo-terminal, answers each password prompt with PASSWORD (at
# most 3), and prints the terminal's output. Exits as COMMAND did.
at_terminal() {
	local password=$1 command=$2 buf="" out="" tty="" ch prompts=0 rc r=0 gave_up=false
	coproc TERMINAL { exec script --quiet --flush --return \
		--command "tty; exec su --login $person --session-command '$command'" /dev/null 2>&1; }
	local in=${TERMINAL[1]} outfd=${TERMINAL[0]} pid=$TERMINAL_PID
	while :; do
		IFS= read -r -N 1 -t "$patience" -u "$outfd" ch || {
			r=$? # 1: the end of the output; > 128: nothing for $patience s
			break
		}
		out+=$ch
		buf+=$ch
		if [ -z "$tty" ] && [ "$ch" = $'\n' ]; then
			tty=${buf%%[$'\r\n']*}
			buf=""
		fi
		case $buf in
		*"Password: ")
			buf=""
			prompts=$((prompts + 1))
			if [ "$prompts" -gt 3 ]; then
				gave_up=true
				break
			fi
			wait_until "$patience" echo_off "$tty" >/dev/null
			printf '%s\n' "$password" >&"$in"
			;;
		esac
	done
	exec {in}>&-
	# At the end of its output, or given up on (the hang-up ends su and
	# what runs under it).
	if [ "$r" -gt 128 ] || $gave_up; then
		kill "$pid" 2>/dev/null
	fi
	wait "$pid"
	rc=$?
	printf '%s\n' "$out" | tr -d '\r'
	return "$rc"
}

before=$(cat "$param" 2>&1; cat "$conf" 2>&1)
out=$(at_terminal wrong-password "nestedvirtctl disable")
rc=$?
case $rc:$out in
0:*) not_ok "$person at a terminal, wrong password: disable refused" "$out" ;;
*"AUTHENTICATING FOR org.example.NestedVirt.enable-persistent"*"Authenticating as: $admin"*"Password: "*)
	ok "$person at a terminal, wrong password: asked for $admin's password, disable refused" ;;
*) not_ok "$person at a terminal, wrong password: asked for $admin's password, disable refused" "exit $rc" "$out" ;;
esac
check "$person, wrong password: nothing changed" unchanged "$before"

out=$(at_terminal "$admin_password" "nestedvirtctl disable --now")
rc=$?
diag "$out"
case $rc:$out in
0:*"AUTHENTICATING FOR org.example.NestedVirt.enable-persistent"*"Authentication is required to"*"Authenticating as: $admin"*"Password: "*"AUTHENTICATION COMPLETE"*"AUTHENTICATING FOR org.example.NestedVirt.reload-module"*"AUTHENTICATION COMPLETE"*)
	ok "$person at a terminal: polkit asked for $admin's password for each action, disable --now succeeded" ;;
*) not_ok "$person at a terminal: polkit asked for $admin's password for each action, disable --now succeeded" "exit $rc" "$out" ;;
esac
check "$person, disable --now: $param is 0" nested_is 0
check "$person, disable --now: $conf says nested=0" conf_says 0

# Root is allowed each of them (ConfigureDomain gets past polkit to
# libvirt, which this guest does not have).
check "root: EnablePersistent allowed" replies_with "$conf" root EnablePersistent boolean:true
check "root: ReloadModule allowed" replies_with '"1"' root ReloadModule boolean:true
check "root: ReloadModule left nested=1" nested_is 1
check "root: ConfigureDomain passes polkit (LibvirtUnavailable)" \
	refused_with "$err.LibvirtUnavailable" root ConfigureDomain string:guest1 string:host-passthrough

# --- The vendor module absent from the kernel: its file moved out of the
# module tree and depmod run, as on a kernel packaged without it. The
# service must say so and refuse both changes before touching anything;
# and already before depmod, while modules.dep still names the file that
# is gone and modprobe could not load it. Each step of the setting up,
# and of the way back, is a fixture that checks its own work: depmod
# takes minutes under TCG on a busy machine, and a step that did not do
# its work must not pass for the product's failure.
moddir=/lib/modules/$(uname -r)
saved=/root/nv-vm-module-absent
absent_ko=$(modinfo -n "$module" 2>&1)
# kvm_amd's file in a line of modules.dep: kernel/.../kvm-amd.ko.xz: ...
dep_entry="(^|/)${module//[-_]/[-_]}\.ko[^/:]*:"

# modules_dep_lists yes|no: whether modules.dep has an entry for $module.
modules_dep_lists() {
	if grep -Eq "$dep_entry" "$moddir/modules.dep"; then
		[ "$1" = yes ] && return 0
		echo "$moddir/modules.dep still lists $module:"
		grep -E "$dep_entry" "$moddir/modules.dep"
	else
		[ "$1" = no ] && return 0
		echo "$moddir/modules.dep does not list $module"
	fi
	return 1
}

module_unloaded() {
	[ ! -e "/sys/module/$module" ] || {
		echo "/sys/module/$module is still there"
		return 1
	}
}

# save_module: the module tree's indexes copied, then the module's file
# moved, into $saved; restore_module puts both back as they were, which
# spares a second depmod.
save_module() {
	mkdir -p "$saved" && cp -a "$moddir"/modules.* "$saved/" && mv "$absent_ko" "$saved/"
}
restore_module() {
	[ -d "$saved" ] || return 0 # nothing was moved
	[ ! -e "$saved/${absent_ko##*/}" ] || mv "$saved/${absent_ko##*/}" "$absent_ko" || return 1
	cp -a "$saved"/modules.* "$moddir/"
}

if fixture "modinfo finds $module's file" test -f "$absent_ko" &&
	fixture "modprobe -r $module" "${bound[@]}" modprobe -r "$module" &&
	fixture "$module is unloaded" module_unloaded &&
	fixture "$module's file and the module tree's indexes are moved to $saved" save_module; then
	absent_before=$(cat "$conf" 2>&1; ls /sys/module)
	if fixture "modules.dep still lists $module, whose file is gone" modules_dep_lists yes; then
		check "module file gone, still in modules.dep: VendorModuleState is absent" \
			json_is VendorModuleState '"absent"'
		check "module file gone, still in modules.dep: ReloadModule refused with NotSupported" \
			refused_with "$err.NotSupported" root ReloadModule boolean:true
	fi
	if fixture "depmod (minutes under TCG on a busy machine)" "${bound[@]}" depmod "$(uname -r)" &&
		fixture "depmod removed $module from modules.dep" modules_dep_lists no &&
		fixture "modprobe finds no $module" fails "${bound[@]}" modprobe -n "$module"; then
		check "module absent: VendorModuleState is absent" json_is VendorModuleState '"absent"'
		check "module absent: Supported is false" json_is Supported false
		check "module absent: EnablePersistent refused with NotSupported" \
			refused_with "$err.NotSupported" root EnablePersistent boolean:true
		check "module absent: ReloadModule refused with NotSupported" \
			refused_with "$err.NotSupported" root ReloadModule boolean:true
		out=$("${bound[@]}" nestedvirtctl enable --now 2>&1)
		rc=$?
		case $rc:$out in
		1:*"$module is not in the running kernel"*) ok "module absent: enable --now exits 1 saying why" ;;
		*) not_ok "module absent: enable --now exits 1 saying why" "exit $rc" "$out" ;;
		esac
	fi
	absent_after=$(cat "$conf" 2>&1; ls /sys/module)
	if [ "$absent_before" = "$absent_after" ]; then
		ok "module absent: nothing changed"
	else
		not_ok "module absent: nothing changed" "$absent_before" "---" "$absent_after"
	fi
fi
# Back as it was, for the tests over ssh: they need the module loaded.
fixture "$module's file and the module tree's indexes are back" restore_module &&
	fixture "modules.dep lists $module again" modules_dep_lists yes &&
	fixture "$module loads again" "${bound[@]}" modprobe "$module"

diag "$failed of $n failed in the guest"

# Next, the tests from the test machine over ssh (nv-vm-host-test.sh):
# nestedvirtctl -H and Ansible. For them: an account whose ssh sessions
# lack systemd-stdio-bridge (root's key is authorized for it with a forced
# command that runs what the client asked with a PATH without it), and
# an unprivileged account for Ansible to log in as (polkit must refuse
# it), and libvirt's test driver for the service, since this guest has no
# libvirtd (one domain, "test"; in the daemon's memory, hence no idle
# exit).
unprivileged=nv-vm-ansible
useradd --create-home --shell /bin/sh "$unprivileged" 2>/dev/null || true
install -d -m 0700 -o "$unprivileged" -g "$unprivileged" "/home/$unprivileged/.ssh"
install -m 0600 -o "$unprivileged" -g "$unprivileged" /root/.ssh/authorized_keys "/home/$unprivileged/.ssh/"
nobridge=nv-vm-nobridge
useradd --create-home --shell /bin/sh "$nobridge" 2>/dev/null || true
install -d -m 0700 -o "$nobridge" -g "$nobridge" "/home/$nobridge/.ssh"
printf '%s %s\n' 'command="env PATH=/nonexistent /bin/sh -c \"$SSH_ORIGINAL_COMMAND\""' \
	"$(cat /root/.ssh/authorized_keys)" >"/home/$nobridge/.ssh/authorized_keys"
chown "$nobridge:" "/home/$nobridge/.ssh/authorized_keys"
chmod 0600 "/home/$nobridge/.ssh/authorized_keys"
mkdir -p "${dropin%/*}"
printf '[Service]\nExecStart=\nExecStart=/usr/libexec/nestedvirtd --idle-timeout=0 --libvirt-uri=test:///default\n' \
	>"$dropin"
systemctl daemon-reload
systemctl stop nestedvirtd.service
diag "ssh.service: $(systemctl is-active ssh.service), systemd-networkd: $(networkctl list --no-legend 2>&1 | tr -s ' \n' '  ')"
# The driver numbers these test points and the test machine's together.
emit "NV-VM-GUEST-READY"
# The driver bounds the tests over ssh to less than this.
wait_until 1500 test -e /run/nv-vm-host-done >/dev/null ||
	diag "the test machine did not say it was done within 1500 s"

# --- Upgrade while the daemon runs: the packages with a higher version
# (the same files repacked by the driver). debian/README.Debian: a
# running daemon is restarted.
upgrade_version=$(dpkg-deb -f "$(echo $debs/upgrade/nestedvirt_*.deb)" Version 2>&1)
# restarted OLDPID: nestedvirtd runs under a new pid, from the file on disk.
restarted() {
	local pid exe
	pid=$(daemon_pid)
	exe=$(readlink "/proc/$pid/exe" 2>&1)
	if [ "$pid" = 0 ] || [ "$pid" = "$1" ] || [ "$exe" != /usr/libexec/nestedvirtd ]; then
		echo "nestedvirtd: pid '$pid' (was $1), exe '$exe'"
		return 1
	fi
}
if fixture "nestedvirtd runs before the upgrade (a call activates it)" "${bound[@]}" nestedvirtctl status &&
	fixture "nestedvirtd.service is active" systemctl is-active --quiet nestedvirtd.service; then
	old_pid=$(daemon_pid)
	check "apt-get install of the $upgrade_version packages (upgrade)" \
		apt_install "$(echo $debs/upgrade/nestedvirt_*.deb)" "$(echo $debs/upgrade/nestedvirt-settings_*.deb)"
	check "nestedvirt $upgrade_version is installed" installed_version nestedvirt "$upgrade_version"
	check "nestedvirt-settings $upgrade_version is installed" installed_version nestedvirt-settings "$upgrade_version"
	check "the upgrade restarted the running nestedvirtd (pid $old_pid before)" \
		wait_until "$patience" restarted "$old_pid"
	check "after the upgrade: status answers" json_is CpuVendor '"amd"'
	check "after the upgrade: nestedvirtd-kvm-users.socket listens" \
		systemctl is-active --quiet nestedvirtd-kvm-users.socket
fi

# --- Purge: no file or link of either package is left (a directory may
# stay, when another package has it or something else is in it: an icon
# cache, this test's own /usr/libexec/nv-vm), the units are stopped, and
# /etc/modprobe.d/kvm.conf, the administrator's setting, stays as it is.
listed=$(mktemp)
dpkg -L nestedvirt nestedvirt-settings >"$listed" 2>&1
conf_before=$(cat "$conf" 2>&1)
# nothing_left FILE: no path of FILE exists but directories (or links to
# them: dpkg lists /lib, a link to usr/lib on a merged /usr).
nothing_left() {
	local f left=""
	while IFS= read -r f; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		[ -d "$f" ] && continue
		left="$left $f"
	done <"$1"
	[ -z "$left" ] || {
		echo "left:$left"
		return 1
	}
}
# not_running: no process runs a file of /usr/libexec/nestedvirtd*
# (deleted or not).
not_running() {
	local exe pids=""
	for exe in /proc/[0-9]*/exe; do
		case $(readlink "$exe" 2>/dev/null) in
		/usr/libexec/nestedvirtd*) pids="$pids ${exe%/exe}" ;;
		esac
	done
	[ -z "$pids" ] || {
		echo "still running:$pids"
		return 1
	}
}
# purged: dpkg has neither package in any state but not-installed.
purged() {
	local states
	states=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' nestedvirt nestedvirt-settings 2>/dev/null)
	! printf '%s\n' "$states" | grep -v ' not-installed$' | grep -q . || {
		echo "$states"
		return 1
	}
}
if fixture "dpkg -L lists the packages' files ($(wc -l <"$listed") paths)" grep -qx /usr/libexec/nestedvirtd "$listed" &&
	fixture "dpkg -L lists the settings app's files" grep -qx /usr/bin/nestedvirt-settings "$listed" &&
	fixture "$conf exists before the purge" test -s "$conf"; then
	check "apt-get purge nestedvirt nestedvirt-settings" \
		"${bound[@]}" apt-get purge -y -q -o Dpkg::Use-Pty=0 nestedvirt nestedvirt-settings
	check "purged: dpkg knows neither package" purged
	check "purged: no file of either package is left" nothing_left "$listed"
	check "purged: nestedvirtd.service is stopped" fails systemctl is-active --quiet nestedvirtd.service
	check "purged: nestedvirtd-kvm-users.socket is stopped" \
		fails systemctl is-active --quiet nestedvirtd-kvm-users.socket
	check "purged: no nestedvirtd process runs" not_running
	check "purged: $conf is kept as it was (debian/README.Debian)" test "$(cat "$conf" 2>&1)" = "$conf_before"
fi
emit "NV-VM-TAP-END"
# The unit powers the guest off as soon as this ends: first wait until
# the serial port has sent the last lines (tcdrain()), rather than for a
# guessed while. Not a terminal (a run by hand into a file): nothing to wait for.
python3 -c 'import termios; termios.tcdrain(7)' 2>/dev/null || true
[ "$failed" -eq 0 ]
