#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Ansible module of nestedvirt: brings the managed host's KVM nested
# virtualization (the persistent setting, the running module, libvirt
# guests' CPU modes) to what the task asks, through the nestedvirtd
# service. It runs `nestedvirtctl --json=short --no-ask-password` on the
# managed host, the client installed with the service, so that it needs nothing
# but Python's standard library there and its --json keys and exit status
# are its whole contract. It reads the status first and calls only what
# differs, which makes a second run report no change; in check mode it
# only reads. A failure is the service's own one-line message as
# nestedvirtctl prints it.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nested_virt
short_description: Enable or disable KVM nested virtualization through nestedvirtd
version_added: "0.1.0"
description:
  - Makes nested virtualization of the KVM vendor module (C(kvm_intel) or
    C(kvm_amd)) persistently enabled or disabled on the managed host, as the
    C(options ... nested=) line of C(/etc/modprobe.d/kvm.conf), and can
    apply it at once by reloading the module.
  - Sets the CPU mode of libvirt guests so that they can run guests of
    their own.
  - Talks to the C(org.example.NestedVirt) D-Bus service (C(nestedvirtd))
    through C(nestedvirtctl --json), which is installed with it. polkit
    decides who may change anything; root always may, so use
    C(become=true) as any other user.
  - Only what differs from the task is changed; the status is returned as
    the fact C(nested_virt).
options:
  state:
    description:
      - The persistent setting, used from the next load of the vendor module
        (for a module built into the kernel, from the next boot, and only
        from the kernel command line).
      - Omitted, the setting is left as it is.
    type: str
    choices: [enabled, disabled]
  apply:
    description:
      - C(now) also reloads the vendor module when its running value differs
        from I(state) (or, without I(state), from the persistent setting).
        The service refuses, naming the processes, while a virtual machine
        runs or any process holds C(/dev/kvm); nothing is unloaded then.
      - C(next-load) leaves the running module alone.
    type: str
    choices: [now, next-load]
    default: next-load
  domains:
    description:
      - libvirt guests whose persistent definition gets the CPU mode given. A
        guest that is running keeps its current CPU until it is shut down
        completely and started again (C(restart_required) in the result).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The guest's name or UUID.
        type: str
        required: true
      cpu_mode:
        description: The CPU mode; both pass the host's C(vmx) or C(svm) on.
        type: str
        required: true
        choices: [host-model, host-passthrough]
attributes:
  check_mode:
    description: Reports what would change and changes nothing.
    support: full
  diff_mode:
    description: The C(options) line and each guest's CPU mode before and after.
    support: full
  facts:
    description: The service's status as C(ansible_facts.nested_virt).
    support: full
notes:
  - The service runs on each managed host; this module calls it there, so it
    works over any connection, including C(ansible_connection=local).
  - A setting on the kernel command line (C(kvm_amd.nested=0)) outranks
    C(/etc/modprobe.d); the service says so in C(PersistentSource).
requirements:
  - nestedvirtd and nestedvirtctl on the managed host
author:
  - The nestedvirt developers (@example)
"""

EXAMPLES = r"""
- name: Nested virtualization on, persistently and now
  example.nestedvirt.nested_virt:
    state: enabled
    apply: now
  become: true

- name: Off from the next module load; the running module stays as it is
  example.nestedvirt.nested_virt:
    state: disabled

- name: Let two guests run guests of their own
  example.nestedvirt.nested_virt:
    domains:
      - name: builder
        cpu_mode: host-passthrough
      - name: ci-runner
        cpu_mode: host-model

- name: Read the status only
  example.nestedvirt.nested_virt:

- name: Check that it is on, now and persistently
  ansible.builtin.assert:
    that:
      - ansible_facts.nested_virt.NestedEnabled
      - ansible_facts.nested_virt.PersistentNested == 'enabled'
"""

RETURN = r"""
persistent:
  description: The persistent setting before and after (C(enabled), C(disabled),
    C(default) or C(invalid)), and the file the service wrote, if it wrote one.
  returned: always
  type: dict
  sample: {"before": "default", "after": "enabled", "file": "/etc/modprobe.d/kvm.conf"}
running:
  description: The vendor module's running C(nested) value before and after
    (empty when the module is not loaded), and whether it was (or, in check
    mode, would be) reloaded.
  returned: always
  type: dict
  sample: {"before": "0", "after": "1", "reloaded": true}
domains:
  description: Each guest of I(domains) with its CPU mode before and after.
  returned: always
  type: list
  elements: dict
  sample:
    - {"name": "builder", "before": "custom", "after": "host-passthrough", "changed": true,
       "restart_required": false}
ansible_facts:
  description: Facts for the play.
  returned: always
  type: dict
  contains:
    nested_virt:
      description: The status as C(nestedvirtctl status --json) prints it after
        the changes (in check mode, as it is). Keys include C(Supported),
        C(CpuVendor), C(VendorModule), C(VendorModuleLoaded), C(NestedParameter),
        C(NestedEnabled), C(PersistentNested), C(PersistentSource),
        C(ReloadRequired), C(VendorModuleInUse) and C(HostClass).
      type: dict
      returned: always
      sample: {"VendorModule": "kvm_amd", "NestedEnabled": true, "PersistentNested": "enabled"}
"""

import json
import re

from ansible.module_utils.basic import AnsibleModule

DEFAULT_CONF = "/etc/modprobe.d/kvm.conf"


class NestedVirtCtl(object):
    """nestedvirtctl on the managed host; every failure ends the module."""

    def __init__(self, module):
        self.module = module
        self.path = module.get_bin_path("nestedvirtctl", required=True)
        self.changed = False

    def run(self, verb, args=(), options=()):
        # "--" before the arguments: a guest may be named "-dash", which
        # must not be taken for an option.
        cmd = [self.path, "--json=short", "--no-ask-password"] + list(options) + [verb, "--"] + list(args)
        rc, out, err = self.module.run_command(cmd, environ_update={"LC_ALL": "C.UTF-8"})
        if rc != 0:
            error, msg = parse_error(err)
            if not msg:
                msg = "nestedvirtctl %s exited with status %d" % (verb, rc)
            self.module.fail_json(msg=msg, error=error, rc=rc, cmd=cmd, stderr=err, changed=self.changed)
        try:
            return json.loads(out)
        except ValueError as e:
            self.module.fail_json(msg="nestedvirtctl %s printed no JSON (%s): %s" % (verb, e, out),
                                  cmd=cmd, changed=self.changed)

    def status(self):
        status = self.run("status")
        if not isinstance(status, dict):
            self.module.fail_json(msg="nestedvirtctl status --json printed no object: %r" % (status,))
        return status


def parse_error(stderr):
    """(D-Bus error name, message) from what nestedvirtctl --json says on
    failure: one line, {"Error": NAME, "Message": TEXT}. An older client
    writes the message as plain text: then the name is empty."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "", ""
    try:
        error = json.loads(lines[-1])
    except ValueError:
        return "", lines[-1]
    if not isinstance(error, dict) or "Message" not in error:
        return "", lines[-1]
    return str(error.get("Error", "")), str(error["Message"])


def running_value(status):
    loaded = status.get("VendorModuleLoaded") or status.get("VendorModuleBuiltin")
    return status.get("NestedParameter", "") if loaded else ""


def nested_value(status, enabled):
    """The parameter as the vendor module shows it: kvm_intel's is a
    bool, kvm_amd's an int."""
    if status.get("VendorModule") == "kvm_intel":
        return "Y" if enabled else "N"
    return "1" if enabled else "0"


def options_line(status, persistent):
    """The options line that decides the persistent setting, as text for
    the diff (the service writes nested=1 or nested=0)."""
    module = status.get("VendorModule") or "kvm_intel|kvm_amd"
    source = status.get("PersistentSource") or ""
    if persistent == "default":
        return "# no nested= setting for %s: the kernel's default (enabled)\n" % module
    if source == "/proc/cmdline":
        return "# the kernel command line decides: %s.nested %s\n" % (module, persistent)
    value = {"enabled": "1", "disabled": "0"}.get(persistent, "(%s)" % persistent)
    return "options %s nested=%s\n" % (module, value)


def plan_domains(module, ctl):
    """[(name, before, wanted)], with before None for an unknown guest."""
    wanted = module.params["domains"]
    if not wanted:
        return []
    listed = ctl.run("list-domains")
    return match_domains(wanted, listed)


# What GLib's g_uuid_string_is_valid() accepts, which the daemon asks
# before it looks a guest up by UUID.
UUID_PATTERN = re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def find_domain(key, domains):
    """The guest among @domains that the daemon would take @key for: a key
    shaped like a UUID is a UUID first and a name after (as virsh does,
    since nothing stops a guest from being named like another's UUID);
    any other key is a name. None when there is no such guest."""
    if UUID_PATTERN.match(key):
        for domain in domains:
            if str(domain.get("Uuid", "")).lower() == key.lower():
                return domain
    for domain in domains:
        if domain.get("Name") == key:
            return domain
    return None


def match_domains(wanted, listed):
    """[(name, before, wanted)] for the task's @wanted guests, found by name
    or UUID in list-domains --json's @listed as the daemon finds them;
    before is None for a guest not listed."""
    domains = [d for d in listed if isinstance(d, dict)] if isinstance(listed, list) else []
    plan = []
    for entry in wanted:
        found = find_domain(entry["name"], domains)
        plan.append((entry["name"], found.get("CpuMode", "") if found else None, entry["cpu_mode"]))
    return plan


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["enabled", "disabled"]),
            apply=dict(type="str", choices=["now", "next-load"], default="next-load"),
            domains=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    cpu_mode=dict(type="str", required=True, choices=["host-model", "host-passthrough"]),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    state = module.params["state"]
    apply_now = module.params["apply"] == "now"
    ctl = NestedVirtCtl(module)

    before = ctl.status()
    domain_plan = plan_domains(module, ctl)
    for name, current, _ in domain_plan:
        if current is None and module.check_mode:
            module.fail_json(msg="No libvirt domain named '%s' on this host: "
                             "'nestedvirtctl list-domains' lists them." % name)

    persistent_before = before.get("PersistentNested", "")
    change_persistent = state is not None and persistent_before != state
    persistent_after = state if change_persistent else persistent_before

    # The running value to reach: the task's, or the persistent one.
    if state is not None:
        want_nested = state == "enabled"
        reload_needed = (apply_now and running_value(before) != "" and
                         bool(before.get("NestedEnabled")) != want_nested)
    else:
        want_nested = None
        reload_needed = apply_now and bool(before.get("ReloadRequired")) and not change_persistent

    result = dict(changed=False,
                  persistent=dict(before=persistent_before, after=persistent_after),
                  running=dict(before=running_value(before), after=running_value(before),
                               reloaded=reload_needed),
                  domains=[])

    # Guests first: an unknown one fails before the host is touched.
    for name, current, mode in domain_plan:
        entry = dict(name=name, before=current or "", after=mode, changed=current != mode,
                     restart_required=False)
        if current != mode and not module.check_mode:
            reply = ctl.run("configure-domain", [name, mode])
            entry["restart_required"] = bool(reply.get("RestartRequired"))
            ctl.changed = True
        result["domains"].append(entry)

    if change_persistent and not module.check_mode:
        reply = ctl.run("enable" if state == "enabled" else "disable")
        result["persistent"]["file"] = reply.get("File", "")
        ctl.changed = True
    if reload_needed and not module.check_mode:
        options = []
        if want_nested is not None:
            options.append("--nested=%s" % ("yes" if want_nested else "no"))
        ctl.run("reload", options=options)
        ctl.changed = True
    elif reload_needed:
        # What the reload would give: the task's value, or the persistent
        # one ("default" is the kernel's, enabled).
        enabled = want_nested if want_nested is not None else persistent_after != "disabled"
        result["running"]["after"] = nested_value(before, enabled)

    result["changed"] = (change_persistent or reload_needed or
                         any(entry["changed"] for entry in result["domains"]))
    after = before if module.check_mode or not result["changed"] else ctl.status()
    if not module.check_mode:
        result["persistent"]["after"] = after.get("PersistentNested", "")
        result["running"]["after"] = running_value(after)

    if module._diff:
        conf = before.get("PersistentSource") or DEFAULT_CONF
        result["diff"] = [dict(before_header=conf, after_header=result["persistent"].get("file") or conf,
                               before=options_line(before, persistent_before),
                               after=options_line(after, result["persistent"]["after"]))]
        if result["domains"]:
            result["diff"].append(dict(
                before_header="libvirt domains (CPU mode)", after_header="libvirt domains (CPU mode)",
                before="".join("%s: %s\n" % (d["name"], d["before"] or "(none)") for d in result["domains"]),
                after="".join("%s: %s\n" % (d["name"], d["after"]) for d in result["domains"])))

    result["ansible_facts"] = dict(nested_virt=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
