#!/bin/sh
# Installs the dependencies, builds nestedvirt and runs its whole test suite,
# the vm suite included (`--setup=full`; a plain `meson test` leaves it out),
# after building its Debian packages and checking them with lintian.
# Arguments go to `meson test` (e.g. `--suite unit`, `--no-suite vm`).
# With CI=true the build treats warnings as errors, and a test that skips
# as a whole fails the run. Everything optional is built (-Dman=enabled -Dpanel=enabled):
# install-deps.sh installs the tools for it. After each `meson test`, the
# tests and TAP subtests that skipped are listed with their reasons
# (tools/test-skips.py): meson's summary does not count the subtests.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${NV_BUILDDIR:-$srcdir/build-test}

"$srcdir/tools/install-deps.sh" test

# meson test -C DIR ARGS..., then what it skipped; fails if either does.
# The log is meson-logs/testlog.json, or testlog-SETUP.json with --setup,
# written by this run.
nv_meson_test()
{
    dir=$1
    shift
    stamp=$(mktemp)
    rc=0
    meson test -C "$dir" --print-errorlogs "$@" || rc=$?
    log=$(find "$dir/meson-logs" -maxdepth 1 -name 'testlog*.json' -newer "$stamp" | head -n 1)
    rm -f "$stamp"
    if [ -n "$log" ]; then
        /usr/bin/python3 "$srcdir/tools/test-skips.py" "$log" || [ $rc -ne 0 ] || rc=1
    fi
    return $rc
}

werror=false
if [ "${CI:-}" = "true" ]; then
    werror=true
fi

# The Debian packages (debian/), source and binary, built out of tree by
# tools/deb-build.sh in $builddir-deb (dpkg-buildpackage -us -uc, with the
# suites dh_auto_test runs), then lintian on the .changes: an error or a
# warning fails the run, informational tags are printed (each one left is
# overridden in debian/ with its reason). The vm suite installs, upgrades
# and purges these packages (NV_VM_DEBS). NV_SKIP_DEB=1 skips all three.
if [ "${NV_SKIP_DEB:-}" != "1" ]; then
    debdir=${NV_DEB_BUILDDIR:-$builddir-deb}
    mkdir -p "$debdir"
    echo "run-tests: dpkg-buildpackage -us -uc in $debdir (log: $debdir/dpkg-buildpackage.log)"
    if ! "$srcdir/tools/deb-build.sh" "$debdir" -us -uc >"$debdir/dpkg-buildpackage.log" 2>&1; then
        tail -n 60 "$debdir/dpkg-buildpackage.log" >&2
        echo "run-tests: dpkg-buildpackage failed; its whole log is $debdir/dpkg-buildpackage.log" >&2
        exit 1
    fi
    echo "run-tests: lintian"
    lintian --fail-on error,warning --display-info "$debdir"/nestedvirt_*_"$(dpkg --print-architecture)".changes
    NV_VM_DEBS=$debdir
    export NV_VM_DEBS
fi

if [ -f "$builddir/build.ninja" ]; then
    meson configure "$builddir" -Dwerror=$werror -Dman=enabled -Dpanel=enabled >/dev/null
else
    meson setup "$builddir" "$srcdir" -Dwerror=$werror -Dman=enabled -Dpanel=enabled >/dev/null
fi
meson compile -C "$builddir"
nv_meson_test "$builddir" --setup=full "$@"

# The same suite once more, built with AddressSanitizer and UBSan: the
# build's default test setup ("sanitizers", tests/meson.build) makes any
# report, leaks included, fail the test. NV_SKIP_SANITIZERS=1 skips it.
if [ "${NV_SKIP_SANITIZERS:-}" != "1" ]; then
    asandir=${NV_ASAN_BUILDDIR:-$builddir-asan}
    if [ -f "$asandir/build.ninja" ]; then
        meson configure "$asandir" -Dwerror=$werror >/dev/null
    else
        meson setup "$asandir" "$srcdir" -Dwerror=$werror -Db_sanitize=address,undefined -Db_lundef=false \
            >/dev/null
    fi
    meson compile -C "$asandir"
    nv_meson_test "$asandir" --no-suite style "$@"
fi

# The fuzz targets as libFuzzer programs, NV_FUZZ_SECONDS (60) each, on a
# full run only. NV_SKIP_FUZZ=1 skips them.
if [ "${NV_SKIP_FUZZ:-}" != "1" ] && [ $# -eq 0 ]; then
    NV_FUZZ_BUILDDIR=${NV_FUZZ_BUILDDIR:-$builddir-fuzz} "$srcdir/tools/run-fuzzers.sh"
fi

# The benches (bench/run.sh, bench/panel.sh; BENCHMARKS.md) in quick mode, on a full run only:
# its figures are printed for the log, never asserted, and a bench that
# cannot run says why without failing the run. NV_SKIP_BENCH=1 skips it.
if [ "${NV_SKIP_BENCH:-}" != "1" ] && [ $# -eq 0 ]; then
    "$srcdir/bench/run.sh" --quick "$builddir" ||
        echo "bench: bench/run.sh --quick could not run (exit $?); this does not fail the test run" >&2
    "$srcdir/bench/panel.sh" --quick "$builddir" ||
        echo "bench: bench/panel.sh --quick could not run (exit $?); this does not fail the test run" >&2
fi
