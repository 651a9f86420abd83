#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed man pages render without groff warnings, and
# org.example.NestedVirt(5) documents every method and property of the
# installed introspection XML.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$NV_MAN" = true ] || nv_skip "the man pages are not built (-Dman=disabled, or no scdoc)"
nv_require_program groff
nv_require_program xmllint
nv_install

mandir=$(nv_installed "$NV_MANDIR")
pages="man1/nestedvirtctl.1 man5/org.example.NestedVirt.5 man8/nestedvirtd.8 man8/nestedvirtd-kvm-users.8"
[ "$NV_PANEL" != true ] || pages="$pages man1/nestedvirt-settings.1"
for page in $pages; do
    warnings=$(groff -man -Tutf8 -ww -z "$mandir/$page" 2>&1)
    [ -z "$warnings" ] || nv_fail "$page: $warnings"
    nv_ok "$page renders without warnings"
done

api_page=$(groff -man -Tascii -P-cbou "$mandir/man5/org.example.NestedVirt.5" 2>/dev/null)
xml=$(nv_installed "$NV_DBUS_INTERFACES_DIR")/org.example.NestedVirt.xml
members=$(xmllint --nonet --xpath '//interface[@name="org.example.NestedVirt"]/*[self::method or self::property]/@name' "$xml" |
    sed 's/^ *name="\(.*\)"$/\1/')
for member in $members; do
    printf '%s\n' "$api_page" | grep -q "^ *${member}[ (]" ||
        nv_fail "org.example.NestedVirt(5) does not document $member"
done
nv_ok "org.example.NestedVirt(5) documents all $(echo "$members" | wc -l) methods and properties of the introspection XML"
