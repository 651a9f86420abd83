# shellcheck shell=bash
# Sourced by the vm suite's tests in the guest (nv-vm-guest-test.sh, which
# the driver installs next to it) and on the test machine
# (nv-vm-host-test.sh). Each of them defines ok DESCRIPTION and not_ok
# DESCRIPTION [DIAGNOSTIC...], which write its test points.

# check DESCRIPTION COMMAND...: one test point, with the command's output
# as diagnostics when it fails.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "$out"
	fi
}

# json_key_is KEY JQ-VALUE JSON: the JSON object's KEY has that value, as
# `jq -c` prints it.
json_key_is() {
	local got
	got=$(printf '%s' "$3" | jq -c ".$1") || return 1
	[ "$got" = "$2" ] || {
		echo "$1 is $got, expected $2"
		echo "$3"
		return 1
	}
}
