#!/bin/sh
# Fails when a C file of the project does not follow .clang-format.
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
cd "$srcdir"

if ! command -v clang-format >/dev/null 2>&1; then
    echo "clang-format is not installed" >&2
    exit 77
fi

files=$(find service client common panel tests -name '*.[ch]' | sort)
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "$(echo "$files" | wc -l) files follow .clang-format"
