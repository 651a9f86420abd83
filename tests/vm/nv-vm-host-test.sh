#!/bin/bash
# The vm suite's tests from the test machine, over ssh, while the guest
# waits for them after its own (nv-vm-guest-test.sh):
#
#   nv-vm-host-test.sh SRCDIR SSHDIR PORT CLOSED-PORT NESTEDVIRTCTL
#
# qemu forwards 127.0.0.1:PORT of this machine to the guest's sshd; nothing
# listens on 127.0.0.1:CLOSED-PORT. SSHDIR holds the keys the driver made
# for this run: id_ed25519 (root's and nv-vm-nobridge's authorized key in
# the guest), id_refused (authorized nowhere), known_hosts (the guest's
# host key, pinned), and config/config-refused, ssh configurations that use
# them; bin/ssh runs ssh with the configuration named by NV_VM_SSH_CONFIG,
# because sd-bus runs "ssh -xT -p PORT -- HOST systemd-stdio-bridge" from
# PATH and ssh reads no per-run configuration otherwise.
#
# `nestedvirtctl -H` acts on the guest's real service and kernel; a host
# that does not answer, one without systemd-stdio-bridge (nv-vm-nobridge,
# whose ForceCommand runs the command with a PATH that lacks it) and a
# refused key each give one line on stderr and exit 1. Then Debian's
# ansible-core runs nv-vm-site.yml against the guest with the collection
# built and installed from ansible/. Last, it tells the guest it is done.
#
# Output: TAP test points without numbers (the driver numbers the guest's
# and these together) and "#" diagnostics.
set -u

srcdir=$1
sshdir=$2
port=$3
closed_port=$4
ctl=$5

guest=127.0.0.1
param=/sys/module/kvm_amd/parameters/nested
conf=/etc/modprobe.d/kvm.conf
# Each command is bounded only so that a hang becomes a failed test
# point: an ssh session into the TCG guest (a logind session there) can
# take a minute on a busy machine, and no check may depend on it taking
# less. Waits are polls (wait_until) that end as soon as they can.
patience=600
bound=(timeout --kill-after=5 "$patience")
failed=0

export PATH="$sshdir/bin:$PATH"
export NV_VM_SSH_CONFIG="$sshdir/config"

ok() {
	echo "ok - $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/# /'
}

# check, json_key_is, wait_until.
. "$srcdir/tests/vm/nv-vm-lib.sh"

# on_guest COMMAND: runs COMMAND in the guest as root, over plain ssh.
on_guest() {
	"${bound[@]}" ssh -p "$port" "root@$guest" "$@"
}

ctl_remote() {
	"${bound[@]}" "$ctl" --no-ask-password -H "root@$guest:$port" "$@"
}

# guest_says FILE WANT: the guest's FILE holds exactly WANT.
guest_says() {
	local got
	got=$(on_guest cat "$1" 2>&1)
	[ "$got" = "$2" ] || {
		echo "the guest's $1 says '$got', expected '$2'"
		return 1
	}
}

# remote_json_is KEY JQ-VALUE [JSON]: the status key has that value, in
# JSON or in `nestedvirtctl -H ... status --json` run now.
remote_json_is() {
	local json=${3-}
	if [ -z "$json" ]; then
		json=$(ctl_remote status --json) || {
			echo "status --json over ssh failed: $json"
			return 1
		}
	fi
	json_key_is "$1" "$2" "$json"
}

# one_clear_line TEXT -- COMMAND...: COMMAND exits 1 with exactly one
# line on stderr, nothing on stdout, and that line contains TEXT.
one_clear_line() {
	local text=$1 rc=0 out err
	shift 2
	err=$(mktemp)
	out=$("$@" 2>"$err") || rc=$?
	local lines
	lines=$(wc -l <"$err")
	if [ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$lines" -eq 1 ] && grep -qF -- "$text" "$err"; then
		cat "$err"
		rm -f "$err"
		return 0
	fi
	echo "exit $rc, $lines lines on stderr, expected 1 with '$text':"
	cat "$err"
	[ -z "$out" ] || echo "stdout: $out"
	rm -f "$err"
	return 1
}

# --- ssh works: the guest said it is ready, but its sshd may still be
# starting.
check "ssh reaches the guest's sshd through 127.0.0.1:$port" wait_until "$patience" on_guest true
echo "# guest: $(on_guest uname -r 2>&1), its $param is $(on_guest cat $param 2>&1)"

# --- nestedvirtctl -H on the guest's service and kernel.
out=$(ctl_remote status 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
	ok "nestedvirtctl -H root@$guest:$port status"
	printf '%s\n' "$out" | sed 's/^/#   /'
else
	not_ok "nestedvirtctl -H root@$guest:$port status" "exit $rc" "$out"
fi
json=$(ctl_remote status --json 2>&1) && ok "nestedvirtctl -H ... status --json" ||
	not_ok "nestedvirtctl -H ... status --json" "$json"
check "-H status --json: CpuVendor amd" remote_json_is CpuVendor '"amd"' "$json"
check "-H status --json: Hypervisor qemu (the guest's, not this machine's)" \
	remote_json_is Hypervisor '"qemu"' "$json"
check "-H status --json: VendorModuleLoaded" remote_json_is VendorModuleLoaded true "$json"
check "-H status --json: NestedParameter is the guest's $param" \
	remote_json_is NestedParameter "\"$(on_guest cat $param 2>&1)\"" "$json"
check "-H disable --now" ctl_remote disable --now
check "-H disable --now: the guest's $param is 0" guest_says $param 0
check "-H disable --now: the guest's $conf says nested=0" guest_says $conf "options kvm_amd nested=0"
check "-H disable --now: status --json says NestedEnabled false" remote_json_is NestedEnabled false
check "-H enable" ctl_remote enable
check "-H enable: the guest's $conf says nested=1" guest_says $conf "options kvm_amd nested=1"
check "-H enable: the guest's $param is still 0" guest_says $param 0
check "-H enable: status --json says ReloadRequired" remote_json_is ReloadRequired true
# The guest's service has libvirt's test driver (nv-vm-guest-test.sh
# configured it): one domain, "test", running.
out=$(ctl_remote list-domains 2>&1)
rc=$?
case $rc:$out in
0:*test*running*) ok "-H list-domains lists the guest's libvirt domain 'test'" ;;
*) not_ok "-H list-domains lists the guest's libvirt domain 'test'" "exit $rc" "$out" ;;
esac
out=$(ctl_remote list-domains --json 2>&1 | jq -c '[.[] | .Name]' 2>&1)
[ "$out" = '["test"]' ] && ok "-H list-domains --json: [\"test\"]" ||
	not_ok "-H list-domains --json: [\"test\"]" "$out"

# --- failures: one clear line each, exit 1.
# check_one_line DESCRIPTION TEXT -- COMMAND...: a test point for
# one_clear_line, with the line as a diagnostic.
check_one_line() {
	local desc=$1 out
	shift
	if out=$(one_clear_line "$@"); then
		ok "$desc"
		echo "#   $out"
	else
		not_ok "$desc" "$out"
	fi
}
check_one_line "-H on a closed port: one line, exit 1" "Connection refused" -- \
	"${bound[@]}" "$ctl" -H "root@$guest:$closed_port" status
check_one_line "-H on a host without systemd-stdio-bridge: one line, exit 1" "systemd-stdio-bridge: not found" -- \
	"${bound[@]}" "$ctl" -H "nv-vm-nobridge@$guest:$port" status
check_one_line "-H with a refused key: one line, exit 1" "Permission denied (publickey)" -- \
	env NV_VM_SSH_CONFIG="$sshdir/config-refused" "${bound[@]}" "$ctl" -H "root@$guest:$port" status --json
check "the failures changed nothing: $conf still says nested=1" guest_says $conf "options kvm_amd nested=1"

# --- Ansible: the collection as ansible-galaxy builds and installs it.
atmp=$sshdir/ansible
mkdir -p "$atmp"
export ANSIBLE_CONFIG="$atmp/ansible.cfg"
: >"$ANSIBLE_CONFIG"
export ANSIBLE_HOME="$atmp/home" ANSIBLE_LOCAL_TEMP="$atmp/tmp"
export ANSIBLE_COLLECTIONS_PATH="$atmp/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0
# One connection per task (no ControlPersist master left behind: nothing
# here reaps orphans), the module piped to the guest's python3.
export ANSIBLE_SSH_ARGS="-o ControlMaster=no" ANSIBLE_PIPELINING=True
# Ansible's connection timeout (ssh's ConnectTimeout, which also bounds
# the wait for sshd's banner) is 10 s by default: too short for an sshd
# under TCG on a busy machine.
export ANSIBLE_TIMEOUT=$patience
if "${bound[@]}" ansible-galaxy collection build "$srcdir/ansible/ansible_collections/example/nestedvirt" \
	--output-path "$atmp" >"$atmp/build.log" 2>&1 &&
	"${bound[@]}" ansible-galaxy collection install -p "$ANSIBLE_COLLECTIONS_PATH" \
		"$atmp"/example-nestedvirt-*.tar.gz >>"$atmp/build.log" 2>&1; then
	ok "ansible-galaxy collection build and install"
else
	not_ok "ansible-galaxy collection build and install" "$(cat "$atmp/build.log")"
fi
cat >"$atmp/inventory" <<EOF
[hypervisors]
guest ansible_host=$guest ansible_port=$port ansible_user=root ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args="-F $sshdir/config"
EOF
start=$(date +%s)
if timeout --kill-after=10 900 ansible-playbook -i "$atmp/inventory" "$srcdir/tests/vm/nv-vm-site.yml" \
	>"$atmp/playbook.log" 2>&1; then
	ok "ansible-playbook nv-vm-site.yml over ssh passed its asserts ($(($(date +%s) - start)) s)"
	grep -o '"msg": "[^"]*"' "$atmp/playbook.log" | grep -v 'All assertions passed' | sed 's/^/#   /'
	grep -A1 '^PLAY RECAP' "$atmp/playbook.log" | sed 's/^/#   /'
else
	not_ok "ansible-playbook nv-vm-site.yml over ssh passed its asserts" "$(cat "$atmp/playbook.log")"
fi
check "after the playbook: the guest's $param is 0" guest_says $param 0
check "after the playbook: the guest's $conf says nested=0" guest_says $conf "options kvm_amd nested=0"

# --- the guest may end its run now.
check "the guest is told the tests over ssh are done" on_guest touch /run/nv-vm-host-done
[ "$failed" -eq 0 ]
