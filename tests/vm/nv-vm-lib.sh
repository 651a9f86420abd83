# shellcheck shell=bash
# Sourced by the vm suite's tests in the guest (nv-vm-guest-test.sh, which
# the driver installs next to it) and on the test machine
# (nv-vm-host-test.sh), and by the drivers (nv-vm-test.sh,
# nv-vm-ppc64-test.sh). Each test defines ok DESCRIPTION and not_ok
# DESCRIPTION [DIAGNOSTIC...], which write its test points.

# skip REASON: the driver cannot run here (no root, qemu or kernel
# package): TAP's skip, meson's 77; with CI=true a failure.
skip() {
	if [ "${CI:-}" = "true" ]; then
		echo "Bail out! $* (CI must run the vm suite)"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 77
}

# print_logs FILE...: each non-empty FILE on stderr, between markers,
# without the serial console's carriage returns.
print_logs() {
	for f in "$@"; do
		[ -s "$f" ] || continue
		echo "===== $f =====" >&2
		tr -d '\r' <"$f" >&2
		echo "===== end of $f =====" >&2
	done
}

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

# wait_until SECONDS COMMAND...: runs COMMAND until it succeeds, for at
# most SECONDS, and succeeds with it. Nothing here sleeps for as long as
# something is guessed to take: a wait is this poll, which ends as soon
# as what it waits for holds, and whose bound only turns a hang into a
# failure. When the bound is reached, prints COMMAND's last output. Its
# locals have names of their own: COMMAND sees them (bash's locals are
# dynamically scoped), and must not find its own globals (bound) hidden.
wait_until() {
	local wait_seconds=$1 wait_deadline wait_out
	wait_deadline=$((SECONDS + wait_seconds))
	shift
	until wait_out=$("$@" 2>&1); do
		if [ "$SECONDS" -ge "$wait_deadline" ]; then
			printf '%s\n' "$wait_out"
			echo "(not so within $wait_seconds s)"
			return 1
		fi
		sleep 0.2
	done
}
