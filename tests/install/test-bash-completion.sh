#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed bash completion, loaded the way bash-completion loads it,
# completes verbs, options, their values and libvirt guest names. The
# guests come from a stand-in nestedvirtctl on PATH that prints what
# `nestedvirtctl --json=short list-domains` prints, with a name that needs
# quoting; the plain table (NAME first) is the fallback when --json fails.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"

framework=/usr/share/bash-completion/bash_completion
nv_require_program bash
[ -f "$framework" ] || nv_fail "$framework is missing (package bash-completion)"
nv_install

completion=$(nv_installed "$NV_BASH_COMPLETION_DIR")/nestedvirtctl
[ -f "$completion" ] || nv_fail "no completion at $NV_BASH_COMPLETION_DIR/nestedvirtctl"

mkdir "$nv_tmp/bin"
cat >"$nv_tmp/bin/nestedvirtctl" <<'STUB'
#!/bin/sh
case " $* " in
*" --json=short list-domains "*)
    [ -z "${NV_STUB_NO_JSON:-}" ] || exit 1
    # As nestedvirtctl prints it: one line, the D-Bus API's keys.
    cat <<'JSON'
[{"Name":"fedora","Uuid":"8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a01","State":"running","CpuMode":"host-model","NestedCapable":true},{"Name":"fed ora","Uuid":"8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a02","State":"shut off","CpuMode":"","NestedCapable":false},{"Name":"debian","Uuid":"8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a03","State":"shut off","CpuMode":"custom","NestedCapable":false}]
JSON
    ;;
*" list-domains "*)
    printf '%s\n' "NAME    UUID                                  STATE     CPU-MODE    NESTED" \
        "debian  8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a03  shut off  custom      no" \
        "fedora  8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a01  running   host-model  yes"
    ;;
*) exit 1 ;;
esac
STUB
chmod +x "$nv_tmp/bin/nestedvirtctl"

# Completes the command line $1 (the cursor at its end) and prints the
# candidates, sorted, on one line.
complete_line()
{
    PATH="$nv_tmp/bin:$PATH" bash --norc --noprofile -c '
        . "$1"
        . "$2"
        # compopt only works while bash itself runs a completion.
        compopt() { :; }
        COMP_LINE=$3
        COMP_POINT=${#COMP_LINE}
        read -r -a COMP_WORDS <<<"$COMP_LINE"
        [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _nestedvirtctl nestedvirtctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        ((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
    ' sh "$framework" "$completion" "$1"
}

check()
{
    got=$(complete_line "$1")
    [ "$got" = "$2" ] || nv_fail "'$1<TAB>' offers '$got', not '$2'"
    nv_ok "'$1<TAB>' offers: $2"
}

check "nestedvirtctl " "configure-domain disable enable export list-domains reload status "
check "nestedvirtctl re" "reload "
check "nestedvirtctl --" "--help --host --json --no-ask-password --version "
check "nestedvirtctl enable --" "--help --host --json --no-ask-password --no-block --now --version --when-idle "
check "nestedvirtctl reload --ne" "--nested= "
check "nestedvirtctl --json=" "off pretty short "
check "nestedvirtctl export --" "--help --host --json --nfd= --no-ask-password --prometheus= --version "
check "nestedvirtctl reload --nested=" "no yes "
check "nestedvirtctl reload --nested " "no yes "
check "nestedvirtctl reload --nested yes " ""
check "nestedvirtctl configure-domain " "debian fed\\ ora fedora "
check "nestedvirtctl --json configure-domain fe" "fed\\ ora fedora "
check "nestedvirtctl configure-domain debian " "host-model host-passthrough "
check "nestedvirtctl configure-domain debian host-model " ""
check "nestedvirtctl status " ""

# Last, as the variable stays set: a client whose --json fails.
NV_STUB_NO_JSON=1
export NV_STUB_NO_JSON
check "nestedvirtctl configure-domain " "debian fedora "
