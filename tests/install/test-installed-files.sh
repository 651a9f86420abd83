#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `meson install --destdir` installs exactly the files listed in
# installed-files.txt, in the directories meson.build chose, executables
# executable and data not.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"

nv_install

# The expected list with the directories filled in. Paths never contain
# "|", the sed delimiter.
sed_script=$nv_tmp/dirs.sed
for dir in bindir libexecdir mandir dbus_interfaces_dir dbus_system_policy_dir \
    dbus_system_services_dir polkit_policy_dir systemd_system_unit_dir bash_completion_dir zsh_completion_dir fish_completion_dir datadir \
    localedir sysconfdir; do
    var=NV_$(echo "$dir" | tr '[:lower:]' '[:upper:]')
    value=$(printenv "$var") || nv_fail "$var is not set"
    echo "s|@$dir@|$value|g" >>"$sed_script"
done

grep -v -e '^#' -e '^$' "$NV_SOURCE_DIR/installed-files.txt" | sed -f "$sed_script" |
    while read -r kind path option; do
        for opt in $(echo "$option" | tr ',' ' '); do
            case $opt in
            man) [ "$NV_MAN" = true ] || continue 2 ;;
            panel) [ "$NV_PANEL" = true ] || continue 2 ;;
            esac
        done
        echo "$kind $path"
    done | sort -k2 >"$nv_tmp/expected"

# What was installed: regular files and symbolic links alike.
(cd "$nv_dest" && find . ! -type d | sed 's|^\.||') | while read -r path; do
    if [ -f "$nv_dest$path" ] && [ -x "$nv_dest$path" ]; then
        echo "exec $path"
    else
        echo "data $path"
    fi
done | sort -k2 >"$nv_tmp/installed"

if ! diff -u "$nv_tmp/expected" "$nv_tmp/installed" >"$nv_tmp/diff"; then
    cat "$nv_tmp/diff" >&2
    nv_fail "the installed files differ from tests/install/installed-files.txt (- expected, + installed)"
fi
while read -r kind path; do
    nv_ok "$kind $path"
done <"$nv_tmp/expected"
nv_ok "nothing else is installed ($(wc -l <"$nv_tmp/expected") files)"

# The screenshot action belongs to the panel test's build of the app
# (panel/tests/nv-settings-test-main.c), not to the installed program.
if [ "$NV_PANEL" = true ]; then
    if grep -q NV_SETTINGS_SCREENSHOT_DIR "$nv_dest$NV_BINDIR/nestedvirt-settings"; then
        nv_fail "the installed nestedvirt-settings carries the panel test's screenshot action"
    fi
    nv_ok "the installed nestedvirt-settings has no screenshot action"
fi
