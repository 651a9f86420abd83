#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed polkit policy is valid against polkit's DTD, defines the
# three actions, each auth_admin for any and inactive sessions and
# auth_admin_keep for active ones, and carries every
# translation from po/ (the DTD is the one polkitd installs). The installed
# bus policy is well-formed; D-Bus's busconfig.dtd cannot validate it (it
# declares no send_* attributes), but test-bus-policy.sh has dbus-daemon
# parse it, which refuses unknown elements and attributes.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"

nv_require_program xmllint
nv_install

polkit_dtd=/usr/share/polkit-1/policyconfig-1.dtd
[ -f "$polkit_dtd" ] || nv_fail "$polkit_dtd is missing (package polkitd)"

policy=$(nv_installed "$NV_POLKIT_POLICY_DIR")/org.example.NestedVirt.policy
xmllint --noout --nonet --dtdvalid "$polkit_dtd" "$policy" ||
    nv_fail "$NV_POLKIT_POLICY_DIR/org.example.NestedVirt.policy is not valid against $polkit_dtd"
nv_ok "the polkit policy is valid against $polkit_dtd"

xpath()
{
    xmllint --nonet --xpath "$1" "$policy"
}

actions=$(xpath '//action/@id' | sed 's/^ *id="\(.*\)"$/\1/' | sort | tr '\n' ' ')
[ "$actions" = "org.example.NestedVirt.configure-domain org.example.NestedVirt.enable-persistent org.example.NestedVirt.reload-module " ] ||
    nv_fail "unexpected actions: $actions"
for action in $actions; do
    defaults=$(xpath "concat(//action[@id='$action']/defaults/allow_any, ' ',
        //action[@id='$action']/defaults/allow_inactive, ' ',
        //action[@id='$action']/defaults/allow_active)")
    [ "$defaults" = "auth_admin auth_admin auth_admin_keep" ] ||
        nv_fail "$action: defaults are \"$defaults\", not auth_admin auth_admin auth_admin_keep"
    nv_ok "$action: auth_admin, auth_admin, auth_admin_keep"
done

# Every language in po/LINGUAS translated every description and message.
grep -v -e '^#' -e '^$' "$NV_SOURCE_ROOT/po/LINGUAS" | while read -r lang; do
    for element in description message; do
        n=$(xpath "count(//action/${element}[@xml:lang='$lang'])")
        [ "$n" = 3 ] || nv_fail "$n of 3 <$element> elements have a translation for '$lang'"
    done
    nv_ok "the polkit policy has the '$lang' translation of every description and message"
done

for po in "$NV_SOURCE_ROOT"/po/*.po; do
    stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1) ||
        nv_fail "$po: $stats"
    case $stats in
    *untranslated* | *fuzzy*) nv_fail "$(basename "$po") is incomplete: $stats" ;;
    esac
    nv_ok "$(basename "$po"): $stats"
done

conf=$(nv_installed "$NV_DBUS_SYSTEM_POLICY_DIR")/org.example.NestedVirt.conf
xmllint --noout --nonet "$conf" ||
    nv_fail "$NV_DBUS_SYSTEM_POLICY_DIR/org.example.NestedVirt.conf is not well-formed XML"
nv_ok "the bus policy is well-formed XML"
