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
