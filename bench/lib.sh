# shellcheck shell=sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the bench scripts, after setting $srcdir: bench_parse_args
# "$@" reads "[--quick] [BUILDDIR]" into $quick (true/false) and $builddir
# (default $NV_BUILDDIR, then build-bench); bench_children_init NAME makes $tmp, a
# temporary directory removed on exit, and keeps $pids, the script's
# children, which are stopped and reaped on exit (PID 1 may not reap
# orphans here); bench_stop PID stops one of them now.
bench_children_init()
{
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    pids=""
    trap bench_cleanup EXIT
    trap 'exit 1' INT TERM
}

bench_cleanup()
{
    for pid in $pids; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}

bench_stop()
{
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    pids=$(echo "$pids" | sed "s/\\b$1\\b//")
}

bench_parse_args()
{
    quick=false
    if [ "${1:-}" = "--quick" ]; then
        quick=true
        shift
    fi
    builddir=${1:-${NV_BUILDDIR:-$srcdir/build-bench}}
}
