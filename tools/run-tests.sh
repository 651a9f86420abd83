#!/bin/sh
# Installs the dependencies, builds nestedvirt and runs its whole test suite.
# With CI=true the build treats warnings as errors. Everything optional is
# built (-Dman=enabled): install-deps.sh installs the tools for it.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${NV_BUILDDIR:-$srcdir/build-test}

"$srcdir/tools/install-deps.sh"

werror=false
if [ "${CI:-}" = "true" ]; then
    werror=true
fi

if [ -f "$builddir/build.ninja" ]; then
    meson configure "$builddir" -Dwerror=$werror -Dman=enabled >/dev/null
else
    meson setup "$builddir" "$srcdir" -Dwerror=$werror -Dman=enabled >/dev/null
fi
meson compile -C "$builddir"
meson test -C "$builddir" --print-errorlogs "$@"

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
    meson test -C "$asandir" --print-errorlogs --no-suite style "$@"
fi

# The fuzz targets as libFuzzer programs, NV_FUZZ_SECONDS (60) each, on a
# full run only. NV_SKIP_FUZZ=1 skips them.
if [ "${NV_SKIP_FUZZ:-}" != "1" ] && [ $# -eq 0 ]; then
    NV_FUZZ_BUILDDIR=${NV_FUZZ_BUILDDIR:-$builddir-fuzz} "$srcdir/tools/run-fuzzers.sh"
fi

# The bench (bench/run.sh, BENCHMARKS.md) in quick mode, on a full run only:
# its figures are printed for the log, never asserted, and a bench that
# cannot run says why without failing the run. NV_SKIP_BENCH=1 skips it.
if [ "${NV_SKIP_BENCH:-}" != "1" ] && [ $# -eq 0 ]; then
    "$srcdir/bench/run.sh" --quick "$builddir" ||
        echo "bench: bench/run.sh --quick could not run (exit $?); this does not fail the test run" >&2
fi
