# -*- coding: utf-8 -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The pure parts of the nested_virt module: reading nestedvirtctl's JSON
# errors, the running value, the options line of the diff, and matching
# the task's guests to list-domains --json. No host, no nestedvirtctl:
# the module against the real service is tests/integration and the
# project's test-ansible-local.sh.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unittest

from ansible_collections.example.nestedvirt.plugins.modules.nested_virt import (
    match_domains,
    nested_value,
    options_line,
    parse_error,
    running_value,
)


class TestParseError(unittest.TestCase):
    def test_json_error(self):
        stderr = '{"Error":"org.example.NestedVirt.Error.NotSupported","Message":"Failed to enable: no."}\n'
        self.assertEqual(parse_error(stderr),
                         ("org.example.NestedVirt.Error.NotSupported", "Failed to enable: no."))

    def test_last_line_counts(self):
        stderr = 'a warning of ssh\n{"Error":"org.freedesktop.DBus.Error.Failed","Message":"x"}\n\n'
        self.assertEqual(parse_error(stderr), ("org.freedesktop.DBus.Error.Failed", "x"))

    def test_plain_text_of_an_older_client(self):
        self.assertEqual(parse_error("Failed to enable: no.\n"), ("", "Failed to enable: no."))

    def test_json_that_is_not_an_error(self):
        self.assertEqual(parse_error('["Message"]\n'), ("", '["Message"]'))

    def test_nothing(self):
        self.assertEqual(parse_error(""), ("", ""))


class TestRunningValue(unittest.TestCase):
    def test_loaded(self):
        self.assertEqual(running_value({"VendorModuleLoaded": True, "NestedParameter": "Y"}), "Y")

    def test_builtin(self):
        self.assertEqual(running_value({"VendorModuleBuiltin": True, "NestedParameter": "1"}), "1")

    def test_not_loaded(self):
        self.assertEqual(running_value({"VendorModuleLoaded": False, "NestedParameter": "N"}), "")


class TestNestedValue(unittest.TestCase):
    def test_spellings(self):
        self.assertEqual(nested_value({"VendorModule": "kvm_intel"}, True), "Y")
        self.assertEqual(nested_value({"VendorModule": "kvm_intel"}, False), "N")
        self.assertEqual(nested_value({"VendorModule": "kvm_amd"}, True), "1")
        self.assertEqual(nested_value({"VendorModule": "kvm_amd"}, False), "0")


class TestOptionsLine(unittest.TestCase):
    def test_enabled(self):
        self.assertEqual(options_line({"VendorModule": "kvm_amd"}, "enabled"), "options kvm_amd nested=1\n")

    def test_default(self):
        self.assertIn("kernel's default", options_line({"VendorModule": "kvm_intel"}, "default"))

    def test_command_line(self):
        line = options_line({"VendorModule": "kvm_intel", "PersistentSource": "/proc/cmdline"}, "disabled")
        self.assertEqual(line, "# the kernel command line decides: kvm_intel.nested disabled\n")


class TestMatchDomains(unittest.TestCase):
    listed = [
        {"Name": "builder", "Uuid": "8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a01", "CpuMode": "custom"},
        {"Name": "-dash", "Uuid": "8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a02", "CpuMode": ""},
    ]

    def test_by_name_and_uuid(self):
        wanted = [{"name": "builder", "cpu_mode": "host-model"},
                  {"name": "8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a02", "cpu_mode": "host-passthrough"}]
        self.assertEqual(match_domains(wanted, self.listed), [
            ("builder", "custom", "host-model"),
            ("8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a02", "", "host-passthrough"),
        ])

    def test_uuid_before_name(self):
        # A guest named like another's UUID: the daemon takes the UUID.
        listed = self.listed + [
            {"Name": "8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a01", "Uuid": "8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a03",
             "CpuMode": "host-model"},
        ]
        for order in (listed, list(reversed(listed))):
            self.assertEqual(
                match_domains([{"name": "8F0AD8A4-6B1E-4A53-A4A8-5D8A3C1E2A01", "cpu_mode": "host-model"}], order),
                [("8F0AD8A4-6B1E-4A53-A4A8-5D8A3C1E2A01", "custom", "host-model")])
        # Not a UUID by the daemon's rule (no hyphens): a name only.
        self.assertEqual(match_domains([{"name": "8f0ad8a46b1e4a53a4a85d8a3c1e2a01", "cpu_mode": "host-model"}],
                                       listed),
                         [("8f0ad8a46b1e4a53a4a85d8a3c1e2a01", None, "host-model")])

    def test_unknown_guest(self):
        self.assertEqual(match_domains([{"name": "nope", "cpu_mode": "host-model"}], self.listed),
                         [("nope", None, "host-model")])

    def test_old_keys_are_not_read(self):
        # The snake_case keys of an older nestedvirtctl are not the API.
        old = [{"name": "builder", "uuid": "u", "cpu_mode": "custom"}]
        self.assertEqual(match_domains([{"name": "builder", "cpu_mode": "host-model"}], old),
                         [("builder", None, "host-model")])

    def test_not_a_list(self):
        self.assertEqual(match_domains([{"name": "a", "cpu_mode": "host-model"}], {"Error": "x"}),
                         [("a", None, "host-model")])


if __name__ == "__main__":
    unittest.main()
