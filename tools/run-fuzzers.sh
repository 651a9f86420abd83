#!/bin/sh
# Builds the fuzz targets (tests/fuzz) as libFuzzer programs with clang,
# ASan and UBSan in their own build directory, and runs each for a bounded
# time over a copy of its corpus, so that the tree is never written to.
# Any crash, sanitizer report, leak or timeout fails the run; the inputs
# that caused it are kept in BUILDDIR/fuzz-artifacts/TARGET/ and printed
# (base64): add them to tests/fuzz/corpus/TARGET/ with the fix, and the
# ordinary build runs them as regression tests.
#
# NV_FUZZ_SECONDS (default 60) is the time per target; NV_FUZZ_BUILDDIR
# (default build-fuzz) the build directory. Targets run one after another.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${NV_FUZZ_BUILDDIR:-$srcdir/build-fuzz}
seconds=${NV_FUZZ_SECONDS:-60}

werror=false
if [ "${CI:-}" = "true" ]; then
    werror=true
fi

if [ -f "$builddir/build.ninja" ]; then
    meson configure "$builddir" -Dwerror=$werror -Dpanel=disabled >/dev/null
else
    CC=clang meson setup "$builddir" "$srcdir" -Dfuzzing=true -Dman=disabled -Dpanel=disabled -Dwerror=$werror \
        -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
# ninja prints compiler errors on stdout: shown only when the build fails.
if ! meson compile -C "$builddir" >"$builddir/compile.log" 2>&1; then
    cat "$builddir/compile.log" >&2
    echo "fuzz: the fuzz build failed" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
artifacts=$builddir/fuzz-artifacts
rm -rf "$artifacts"

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

status=0
for corpus in "$srcdir"/tests/fuzz/corpus/*/; do
    name=$(basename "$corpus")
    fuzzer=$builddir/tests/fuzz/$name
    if [ ! -x "$fuzzer" ]; then
        echo "fuzz: $name: no such fuzz target in $builddir" >&2
        status=1
        continue
    fi
    cp -R "$corpus" "$work/$name"
    mkdir -p "$artifacts/$name"
    echo "fuzz: $name for ${seconds}s"
    if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name/" "$work/$name" >"$work/$name.log" 2>&1; then
        tail -n 60 "$work/$name.log" >&2
        echo "fuzz: $name FAILED; reproducers in $artifacts/$name:" >&2
        for artifact in "$artifacts/$name"/*; do
            [ -f "$artifact" ] || continue
            echo "--- $(basename "$artifact") (base64)" >&2
            base64 "$artifact" >&2
        done
        status=1
    else
        grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$work/$name.log" | sed "s/^/fuzz: $name: /"
    fi
done
exit $status
