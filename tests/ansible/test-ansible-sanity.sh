#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Ansible's own checks of the collection in ansible/, offline, with
# Debian 12's ansible-core 2.14 and ansible-lint 6.13:
#
#   test-ansible-sanity.sh SRCDIR
#
# - validate-modules, run as `ansible-test sanity --test validate-modules`
#   runs it (ansible-test itself would first build a venv with pip, from
#   the network), with tests/sanity/ignore-2.14.txt applied the way
#   ansible-test applies it: an error not listed fails, and so does a
#   listed one that no longer occurs;
# - ansible-lint, production profile, on the README's playbook, the
#   module's EXAMPLES, the integration target and tests/ansible/local.yml;
# - the unit tests (tests/unit) with pytest;
# - galaxy.yml's links and the changelog.
# Exit 0 when all hold, 1 on a failure, 77 (with a reason) when a tool is
# missing, except with CI=true.
set -eu

srcdir=$(cd "$1" && pwd)
# nv_tmp (removed on exit), nv_ok, nv_fail, nv_skip.
# shellcheck source=tests/install/lib.sh
. "$srcdir/tests/install/lib.sh"

skip() {
	if [ "${CI:-}" = "true" ]; then
		nv_fail "$* (CI must run this test)"
	fi
	nv_skip "$*"
}

python=/usr/bin/python3
validate=/usr/lib/python3/dist-packages/ansible_test/_util/controller/sanity/validate-modules/validate.py
[ -f "$validate" ] || skip "$validate is missing (package ansible-core)"
command -v ansible-lint >/dev/null 2>&1 || skip "ansible-lint is not installed (package ansible-lint)"
for module in pytest voluptuous yaml; do
	"$python" -c "import $module" 2>/dev/null || skip "$python has no $module (tools/install-deps.sh installs it)"
done

# A copy, as ansible-test works on one: nothing is written into the
# source tree (no __pycache__, no .cache, no tests/output).
collections=$nv_tmp/collections
root=$collections/ansible_collections/example/nestedvirt
mkdir -p "$collections/ansible_collections/example"
cp -R "$srcdir/ansible/ansible_collections/example/nestedvirt" "$root"
export HOME="$nv_tmp/home" PYTHONDONTWRITEBYTECODE=1 ANSIBLE_COLLECTIONS_PATH="$collections"
export ANSIBLE_CONFIG="$nv_tmp/ansible.cfg" ANSIBLE_NOCOLOR=1 NO_COLOR=1
mkdir "$HOME"
: >"$ANSIBLE_CONFIG"
version=$("$python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$root/galaxy.yml")

# --- validate-modules.
modules=$(cd "$root" && find plugins/modules -name '*.py' ! -name '__init__.py' | sort)
# shellcheck disable=SC2086 # one argument per module
(cd "$root" && "$python" "$validate" --format json --arg-spec \
	--collection ansible_collections/example/nestedvirt --collection-version "$version" $modules) \
	>"$nv_tmp/validate.json" 2>"$nv_tmp/validate.err" || [ $? -eq 3 ] ||
	{ cat "$nv_tmp/validate.err"; nv_fail "validate-modules did not run"; }
[ ! -s "$nv_tmp/validate.err" ] || { cat "$nv_tmp/validate.err"; nv_fail "validate-modules wrote to stderr"; }
"$python" - "$nv_tmp/validate.json" "$root/tests/sanity/ignore-2.14.txt" <<'PY' ||
import json, sys
errors = {(path, "validate-modules:" + e["code"]): e["msg"]
          for path, result in json.load(open(sys.argv[1])).items() for e in result["errors"]}
ignored = set()
for line in open(sys.argv[2]):
    line = line.split(" # ")[0].strip()
    if line and not line.startswith("#"):
        path, code = line.split()
        ignored.add((path, code))
failed = False
for key, msg in sorted(errors.items()):
    if key not in ignored:
        print("%s: %s: %s" % (key[0], key[1], msg))
        failed = True
for key in sorted(ignored - set(errors)):
    print("%s: %s is ignored in ignore-2.14.txt but does not occur: remove the line" % key)
    failed = True
sys.exit(1 if failed else 0)
PY
	nv_fail "validate-modules found errors"
nv_ok "validate-modules (ansible-core $(ansible --version | sed -n '1s/.*core \([0-9.]*\).*/\1/p')): no error beyond ignore-2.14.txt"

# --- ansible-lint: the playbooks as a user sees them.
lint=$nv_tmp/lint
mkdir -p "$lint/tests/integration/targets/nested_virt/tasks"
"$python" - "$root" "$lint" <<'PY' || nv_fail "cannot extract the README's playbook and the module's EXAMPLES"
import ast, re, sys
root, lint = sys.argv[1], sys.argv[2]
readme = open(root + "/README.md").read()
blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
assert blocks, "README.md has no yaml block"
with open(lint + "/readme.yml", "w") as f:
    f.write("---\n" + blocks[0])
source = open(root + "/plugins/modules/nested_virt.py").read()
examples = [n.value.value for n in ast.parse(source).body
            if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "EXAMPLES"][0]
with open(lint + "/examples.yml", "w") as f:
    f.write("---\n- name: The EXAMPLES of nested_virt\n  hosts: all\n  tasks:\n")
    f.write("".join("    " + l + "\n" if l else "\n" for l in examples.strip("\n").splitlines()))
PY
cp "$srcdir/tests/ansible/local.yml" "$lint/local.yml"
cp "$root/tests/integration/targets/nested_virt/tasks/main.yml" "$lint/tests/integration/targets/nested_virt/tasks/"
if ! (cd "$lint" && ansible-lint --offline -p --profile production readme.yml examples.yml local.yml \
	tests/integration/targets/nested_virt/tasks/main.yml) >"$nv_tmp/lint.log" 2>&1; then
	cat "$nv_tmp/lint.log"
	nv_fail "ansible-lint --profile production found problems"
fi
grep -q 'Passed with production profile: 0 failure(s), 0 warning(s) on 4 files' "$nv_tmp/lint.log" ||
	{ cat "$nv_tmp/lint.log"; nv_fail "ansible-lint did not lint the 4 files"; }
nv_ok "ansible-lint $(ansible-lint --version 2>/dev/null | sed -n '1s/^ansible-lint \([0-9.]*\).*/\1/p') --profile production: README, EXAMPLES, integration target, local.yml"

# --- unit tests, as ansible-test units imports them.
(cd "$root" && PYTHONPATH=$collections "$python" -m pytest -q -p no:cacheprovider tests/unit) \
	>"$nv_tmp/units.log" 2>&1 || { cat "$nv_tmp/units.log"; nv_fail "the unit tests failed"; }
nv_ok "unit tests: $(tail -n 1 "$nv_tmp/units.log")"

# --- metadata.
"$python" - "$root" <<'PY' || nv_fail "galaxy.yml or the changelog is incomplete"
import sys, yaml
root = sys.argv[1]
galaxy = yaml.safe_load(open(root + "/galaxy.yml"))
for key in ("repository", "issues", "documentation", "homepage"):
    assert str(galaxy.get(key, "")).startswith("https://"), "galaxy.yml has no %s URL" % key
for author in galaxy["authors"]:
    assert author.endswith(")") and "(@" in author, "galaxy.yml author %r is not 'Name (@handle)'" % author
changelog = yaml.safe_load(open(root + "/changelogs/changelog.yaml"))
assert galaxy["version"] in changelog["releases"], "changelogs/changelog.yaml has no release %s" % galaxy["version"]
assert ("v" + galaxy["version"]) in open(root + "/CHANGELOG.rst").read(), "CHANGELOG.rst has no v%s" % galaxy["version"]
PY
nv_ok "galaxy.yml links and authors; changelog for $version"
