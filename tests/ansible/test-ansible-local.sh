#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Ansible collection (ansible/) on Debian's ansible-core, without a VM:
#
#   test-ansible-local.sh SRCDIR NESTEDVIRTCTL NESTEDVIRTD-SIM NESTED_VIRT.FACT
#
# builds the collection with `ansible-galaxy collection build`, installs
# the tarball with `ansible-galaxy collection install` into a temporary
# collections path, checks what `ansible-doc` renders of the module, and
# runs local.yml with ansible_connection=local against the real daemon
# (built with the simulated kernel, so that ReloadModule works on a fake
# tree) on a private system-like bus with the project's bus policy and a
# fake AMD host tree; then `ansible -m setup` with the built local fact
# (data/nested_virt.fact.in), and an ad-hoc call on a host the service
# cannot manage. Exit 0 when everything held, 1 on a failure, 77 (with a reason)
# when it cannot run here, except with CI=true.
set -eu

srcdir=$(cd "$1" && pwd)
ctl=$2
daemon=$3
fact=$4

# nv_tmp (removed on exit), nv_pids (stopped and reaped on exit), nv_ok,
# nv_fail, nv_start_bus, nv_make_fake_host.
. "$srcdir/tests/install/lib.sh"
tmp=$nv_tmp

skip() {
	if [ "${CI:-}" = "true" ]; then
		nv_fail "$* (CI must run this test)"
	fi
	nv_skip "$*"
}

[ "$(id -u)" -eq 0 ] || skip "must run as root: only root may own org.example.NestedVirt on the bus"
for tool in ansible-playbook ansible-galaxy ansible-doc ansible dbus-daemon gdbus; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is not installed (tools/install-deps.sh installs ansible-core and dbus-daemon)"
done

# Ansible keeps everything of its own below $tmp, reads no ansible.cfg
# from the working directory or /etc, and finds only the collection
# installed here.
export ANSIBLE_CONFIG="$tmp/ansible.cfg"
: >"$ANSIBLE_CONFIG"
export ANSIBLE_HOME="$tmp/ansible-home"
export ANSIBLE_LOCAL_TEMP="$tmp/ansible-tmp"
export ANSIBLE_REMOTE_TEMP="$tmp/ansible-remote-tmp"
export ANSIBLE_COLLECTIONS_PATH="$tmp/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0
export ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
# The managed host's nestedvirtctl is the one of this build.
PATH=$(cd "$(dirname "$ctl")" && pwd):$PATH
export PATH

# --- build, install, document.
collection=$srcdir/ansible/ansible_collections/example/nestedvirt
ansible-galaxy collection build "$collection" --output-path "$tmp" >"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log"; nv_fail "ansible-galaxy collection build failed"; }
tarball=$(ls "$tmp"/example-nestedvirt-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { cat "$tmp/build.log"; nv_fail "ansible-galaxy built no example-nestedvirt-*.tar.gz"; }
nv_ok "built $(basename "$tarball")"
ansible-galaxy collection install -p "$ANSIBLE_COLLECTIONS_PATH" "$tarball" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; nv_fail "ansible-galaxy collection install failed"; }
installed=$ANSIBLE_COLLECTIONS_PATH/ansible_collections/example/nestedvirt
for f in MANIFEST.json FILES.json README.md plugins/modules/nested_virt.py; do
	[ -f "$installed/$f" ] || nv_fail "the installed collection has no $f"
done
ansible-galaxy collection list -p "$ANSIBLE_COLLECTIONS_PATH" 2>/dev/null | grep -q '^example\.nestedvirt  *0\.1\.0' ||
	nv_fail "ansible-galaxy collection list does not show example.nestedvirt 0.1.0"
nv_ok "installed into $ANSIBLE_COLLECTIONS_PATH"

ansible-doc example.nestedvirt.nested_virt >"$tmp/doc.txt" 2>&1 ||
	{ cat "$tmp/doc.txt"; nv_fail "ansible-doc failed"; }
for text in "> EXAMPLE.NESTEDVIRT.NESTED_VIRT" "Makes nested virtualization of the KVM vendor module" \
	"state" "apply" "domains" "cpu_mode" "host-passthrough" "EXAMPLES:" "RETURN VALUES:" \
	"ansible_facts.nested_virt.NestedEnabled"; do
	grep -qF -- "$text" "$tmp/doc.txt" || { cat "$tmp/doc.txt"; nv_fail "ansible-doc does not show '$text'"; }
done
ansible-doc -l example.nestedvirt 2>&1 | grep -q '^example\.nestedvirt\.nested_virt  *Enable or disable KVM nested virtualization' ||
	nv_fail "ansible-doc -l example.nestedvirt does not list the module with its short description"
ansible-doc --json example.nestedvirt.nested_virt >"$tmp/doc.json" 2>&1 ||
	{ cat "$tmp/doc.json"; nv_fail "ansible-doc --json failed"; }
/usr/bin/python3 - "$tmp/doc.json" <<'EOF' || nv_fail "ansible-doc --json does not document the options as the module takes them"
import json, sys
doc = json.load(open(sys.argv[1]))["example.nestedvirt.nested_virt"]
opts = doc["doc"]["options"]
assert opts["state"]["choices"] == ["enabled", "disabled"], opts["state"]
assert opts["apply"]["choices"] == ["now", "next-load"] and opts["apply"]["default"] == "next-load", opts["apply"]
assert opts["domains"]["suboptions"]["cpu_mode"]["choices"] == ["host-model", "host-passthrough"]
assert set(doc["return"]) >= {"persistent", "running", "domains", "ansible_facts"}, doc["return"]
assert doc["examples"].strip(), "no EXAMPLES"
EOF
nv_ok "ansible-doc renders the module's documentation"

# --- a fake AMD host: kvm_amd loaded with nested=0, nothing configured.
root=$tmp/root
nv_make_fake_host "$root"
mkdir -p "$root/proc/1/fd" "$root/sys/module/kvm" \
	"$root/sys/module/kvm_amd/parameters" "$root/sys/class/misc/kvm" "$root/sys/class/dmi/id" \
	"$root/etc/modprobe.d" "$root/lib/modprobe.d" "$root/lib/modules/6.1.0-test" "$root/dev"
cpuinfo() {
	printf 'processor\t: 0\nvendor_id\t: %s\nmodel name\t: Test CPU\nflags\t\t: %s\n\n' "$1" "$2" \
		>"$root/proc/cpuinfo"
}
cpuinfo AuthenticAMD "fpu vme de pse tsc msr pae mce cx8 apic sep lm svm npt nrip_save"
echo "loop 32768 0 - Live 0x0000000000000000" >"$root/proc/modules"
: >"$root/lib/modules/6.1.0-test/modules.builtin"
echo systemd >"$root/proc/1/comm"
ln -s /dev/null "$root/proc/1/fd/0"
echo live >"$root/sys/module/kvm/initstate"
echo 1 >"$root/sys/module/kvm/refcnt"
echo live >"$root/sys/module/kvm_amd/initstate"
echo 0 >"$root/sys/module/kvm_amd/refcnt"
echo 0 >"$root/sys/module/kvm_amd/parameters/nested"
echo 10:232 >"$root/sys/class/misc/kvm/dev"
: >"$root/dev/kvm"
echo ASUS >"$root/sys/class/dmi/id/sys_vendor"
echo "System Product Name" >"$root/sys/class/dmi/id/product_name"

# --- the private bus and the daemon, on libvirt's test driver.
# The bus policy of the source tree (the install suite tests it as
# installed).
nv_system_bus_config "$tmp/system_bus_socket" \
	"<include>$srcdir/policy/org.example.NestedVirt.conf</include>" >"$tmp/bus.conf"
nv_start_bus "$tmp/bus.conf"

start_daemon() {
	"$daemon" --root="$root" --idle-timeout=0 --libvirt-uri=test:///default 2>>"$tmp/daemon.log" &
	daemon_pid=$!
	nv_pids="$daemon_pid $nv_pids"
	gdbus wait --system --timeout 10 org.example.NestedVirt ||
		{ cat "$tmp/daemon.log"; nv_fail "nestedvirtd did not appear on the bus within 10 s"; }
}
stop_daemon() {
	kill "$daemon_pid"
	wait "$daemon_pid" || true
}
start_daemon

# --- the playbook.
if ! ansible-playbook -i "$srcdir/tests/ansible/inventory" "$srcdir/tests/ansible/local.yml" \
	-e "root=$root" >"$tmp/playbook.log" 2>&1; then
	cat "$tmp/playbook.log"
	echo "--- nestedvirtd's log:"
	cat "$tmp/daemon.log"
	nv_fail "ansible-playbook local.yml failed"
fi
grep -q 'failed=0' "$tmp/playbook.log" || { cat "$tmp/playbook.log"; nv_fail "the play recap shows failures"; }
grep -o "\"msg\": \"[^\"]*\"" "$tmp/playbook.log" | grep -v "All assertions passed" | sed "s/^/# /"
sed 's/^/# /' "$tmp/playbook.log" | tail -n 4
nv_ok "ansible-playbook local.yml (ansible_connection=local) passed its asserts"

# --- the collection's integration target, on the same fake host.
target=$collection/tests/integration/targets/nested_virt/tasks/main.yml
cat >"$tmp/target.yml" <<EOF
- name: The integration target nested_virt
  hosts: all
  gather_facts: false
  tasks:
    - name: Its tasks
      ansible.builtin.include_tasks: $target
EOF
if ! ansible-playbook -i "$srcdir/tests/ansible/inventory" "$tmp/target.yml" >"$tmp/target.log" 2>&1 ||
	! grep -q 'failed=0' "$tmp/target.log"; then
	cat "$tmp/target.log"
	nv_fail "the integration target nested_virt failed"
fi
nv_ok "the integration target nested_virt passed on the fake host"

# --- the local fact: `ansible -m setup` shows ansible_local.nested_virt,
# the status, with no module run. The fact as built, running this
# build's nestedvirtctl instead of the installed path.
mkdir "$tmp/facts.d"
sed "s|^exec [^ ]*/nestedvirtctl |exec $ctl |" "$fact" >"$tmp/facts.d/nested_virt.fact"
chmod 0755 "$tmp/facts.d/nested_virt.fact"
ansible fakehost -i "$srcdir/tests/ansible/inventory" -m ansible.builtin.setup \
	-a "fact_path=$tmp/facts.d filter=ansible_local" -o >"$tmp/setup.log" 2>&1 ||
	{ cat "$tmp/setup.log"; nv_fail "ansible -m setup failed"; }
/usr/bin/python3 - "$tmp/setup.log" <<'PY' || { cat "$tmp/setup.log"; nv_fail "ansible_local.nested_virt is not the status"; }
import json, sys
text = open(sys.argv[1]).read()
facts = json.loads(text[text.index("{"):])["ansible_facts"]["ansible_local"]["nested_virt"]
assert facts["VendorModule"] == "kvm_amd", facts
assert facts["NestedEnabled"] is False and facts["PersistentNested"] == "disabled", facts
assert facts["HostClass"] == "module", facts
PY
nv_ok "ansible -m setup shows ansible_local.nested_virt: $(grep -o '"NestedEnabled": [a-z]*' "$tmp/setup.log")"

# --- a host the service cannot manage: the module fails with the
# service's NotSupported message, as JSON, without a traceback.
stop_daemon
cpuinfo CyrixInstead "fpu vme de pse tsc msr pae"
start_daemon
rc=0
ansible fakehost -i "$srcdir/tests/ansible/inventory" -m example.nestedvirt.nested_virt \
	-a "state=enabled" >"$tmp/adhoc.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || { cat "$tmp/adhoc.log"; nv_fail "state=enabled on a Cyrix CPU succeeded"; }
grep -q 'FAILED!' "$tmp/adhoc.log" &&
	grep -q "Nested KVM needs an x86 machine with an Intel or AMD CPU; this one is x86_64 with a CPU from vendor 'unknown'" "$tmp/adhoc.log" ||
	{ cat "$tmp/adhoc.log"; nv_fail "the failure does not carry the service's NotSupported message"; }
if grep -q 'Traceback' "$tmp/adhoc.log"; then
	cat "$tmp/adhoc.log"
	nv_fail "the module failed with a traceback"
fi
[ ! -e "$root/etc/modprobe.d/kvm.conf" ] || [ "$(cat "$root/etc/modprobe.d/kvm.conf")" = "options kvm_amd nested=0" ] ||
	nv_fail "NotSupported changed kvm.conf: $(cat "$root/etc/modprobe.d/kvm.conf")"
nv_ok "NotSupported is the module's failure message: $(grep -o '"msg": "[^"]*"' "$tmp/adhoc.log")"
