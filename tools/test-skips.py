#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Says what a `meson test` run skipped, and why.

    tools/test-skips.py BUILDDIR/meson-logs/testlog.json

meson's summary counts a test as skipped only when the whole program is
(exit 77, or a TAP plan of "1..0 # SKIP"); a TAP subtest reported as
"ok N name # SKIP reason" counts as a pass there. This prints both kinds,
one line each with its reason, from the output meson kept in testlog.json
(one JSON object per test run, its stdout included; testlog-SETUP.json
after `meson test --setup=SETUP`).

With CI=true it exits 1 when a whole test skipped: CI installs everything
the suites need (tools/install-deps.sh test), so there a skip means that
something is missing. A skipped subtest only is printed: some depend on
the machine (a real vendor module, a CPU flag).
"""

import json
import os
import re
import sys

# "ok 3 /daemon/status # SKIP no /dev/kvm": TAP 13, as GLib writes it.
SUBTEST_SKIP = re.compile(r"^ok\b\s*\d*\s*(?:-\s*)?(?P<name>.*?)\s*#\s*skip\b\s*(?P<reason>.*)$", re.I)
# A whole program's reason: a TAP plan "1..0 # SKIP reason", or the
# "SKIP: reason" line of tests/install/lib.sh.
PLAN_SKIP = re.compile(r"^1\.\.0\s*#\s*skip\b\s*(?P<reason>.*)$", re.I)
LINE_SKIP = re.compile(r"^SKIP:\s*(?P<reason>.*)$")


def whole_reason(output):
    for line in output.splitlines():
        m = PLAN_SKIP.match(line) or LINE_SKIP.match(line)
        if m:
            return m.group("reason")
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} BUILDDIR/meson-logs/testlog.json", file=sys.stderr)
        return 2
    subtests = []
    wholes = []
    with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
        for line in log:
            test = json.loads(line)
            output = (test.get("stdout") or "") + "\n" + (test.get("stderr") or "")
            name = test["name"]
            if test.get("result") == "SKIP":
                wholes.append((name, whole_reason(output)))
            for out_line in (test.get("stdout") or "").splitlines():
                m = SUBTEST_SKIP.match(out_line.strip())
                if m:
                    subtests.append((name, m.group("name") or "?", m.group("reason") or "no reason given"))

    if subtests:
        print(f"{len(subtests)} subtest{'s' if len(subtests) != 1 else ''} skipped:")
        for name, subtest, reason in subtests:
            print(f"  {name}: {subtest}: {reason}")
    if wholes:
        print(f"{len(wholes)} test{'s' if len(wholes) != 1 else ''} skipped as a whole:")
        for name, reason in wholes:
            print(f"  {name}: {reason}")
    if not subtests and not wholes:
        print("nothing skipped")
    if wholes and os.environ.get("CI") == "true":
        print("test-skips: with CI=true no test may skip (tools/install-deps.sh test installs what they need)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
