#!/bin/sh
# Builds the Debian packages (debian/) of this checkout out of tree:
#
#   tools/deb-build.sh OUTDIR [DPKG-BUILDPACKAGE-ARGS...]   (default: -us -uc)
#
# dpkg-buildpackage writes its results into the parent directory of the
# tree it builds; so the tree is copied to OUTDIR/nestedvirt-UPSTREAM (the
# files git tracks or would track; without git, every top-level entry but
# .git and build*), the upstream tarball OUTDIR/nestedvirt_UPSTREAM.orig.tar.xz
# is made from that copy without debian/ (source format 3.0 (quilt)), and
# the packages, the .changes and the .buildinfo land in OUTDIR. Nothing is
# written in the checkout or outside OUTDIR. tools/run-tests.sh and the vm
# suite build with it. It installs what it needs first (install-deps.sh deb).
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || {
    echo "usage: $0 OUTDIR [DPKG-BUILDPACKAGE-ARGS...]" >&2
    exit 2
}
outdir=$1
shift
"$srcdir/tools/install-deps.sh" deb
[ $# -gt 0 ] || set -- -us -uc
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

version=$(dpkg-parsechangelog -l "$srcdir/debian/changelog" -S Version)
timestamp=$(dpkg-parsechangelog -l "$srcdir/debian/changelog" -S Timestamp)
upstream=${version%-*}
tree=$outdir/nestedvirt-$upstream
rm -rf "$tree"
rm -f "$outdir"/nestedvirt_* "$outdir"/nestedvirt-settings_*
mkdir -p "$tree"

if git -C "$srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked and untracked-but-not-ignored files that exist (a deleted
    # tracked file is listed too).
    (cd "$srcdir" && git ls-files -z -co --exclude-standard) |
        (cd "$srcdir" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh)
else
    (cd "$srcdir" && find . -mindepth 1 -maxdepth 1 ! -name .git ! -name 'build*' -print0)
fi | (cd "$srcdir" && tar --null -T - -cf -) | tar -xf - -C "$tree"

# Reproducible: sorted, root-owned, dated by the changelog.
tar -C "$outdir" --exclude="nestedvirt-$upstream/debian" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$timestamp" -cf - "nestedvirt-$upstream" | xz -T0 >"$outdir/nestedvirt_$upstream.orig.tar.xz"

cd "$tree"
exec dpkg-buildpackage "$@"
