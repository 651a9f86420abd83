#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed zsh and fish completions, loaded from the directories the
# shells search (the DESTDIR's copies of them), complete verbs, options,
# their values and libvirt guest names. As in test-bash-completion.sh, the
# guests come from a stand-in nestedvirtctl on PATH that prints what
# `nestedvirtctl --json=short list-domains` prints, with names that need
# quoting.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"

nv_require_program zsh
nv_require_program fish
nv_install

zsh_dir=$(nv_installed "$NV_ZSH_COMPLETION_DIR")
fish_dir=$(nv_installed "$NV_FISH_COMPLETION_DIR")
[ -f "$zsh_dir/_nestedvirtctl" ] || nv_fail "no completion at $NV_ZSH_COMPLETION_DIR/_nestedvirtctl"
[ -f "$fish_dir/nestedvirtctl.fish" ] || nv_fail "no completion at $NV_FISH_COMPLETION_DIR/nestedvirtctl.fish"
head -n 1 "$zsh_dir/_nestedvirtctl" | grep -qx '#compdef nestedvirtctl' ||
    nv_fail "_nestedvirtctl does not start with '#compdef nestedvirtctl', which compinit looks for"

# fish without the user's configuration or history: a home of its own.
run_fish()
{
    HOME=$nv_tmp/home XDG_CONFIG_HOME=$nv_tmp/home/.config XDG_DATA_HOME=$nv_tmp/home/.local/share \
        fish "$@"
}
mkdir "$nv_tmp/home"

# Where a --prefix=/usr build puts them must be where Debian's zsh and fish
# look: a completion installed elsewhere is never loaded.
zsh_usr=/usr/share${NV_ZSH_COMPLETION_DIR#"$NV_DATADIR"}
fish_usr=/usr/share${NV_FISH_COMPLETION_DIR#"$NV_DATADIR"}
# shellcheck disable=SC2016 # expanded by zsh and fish
zsh -f -c 'print -rl -- $fpath' | grep -qx "$zsh_usr" || nv_fail "zsh does not search $zsh_usr"
# shellcheck disable=SC2016
run_fish -c 'string join \n -- $fish_complete_path' | grep -qx "$fish_usr" ||
    nv_fail "fish does not search $fish_usr"
nv_ok "zsh searches $zsh_usr and fish $fish_usr"

mkdir "$nv_tmp/bin"
cat >"$nv_tmp/bin/nestedvirtctl" <<'STUB'
#!/bin/sh
case " $* " in
*" --json=short list-domains "*)
    cat <<'JSON'
[{"Name":"fedora","Uuid":"8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a01","State":"running","CpuMode":"host-model","NestedCapable":true},{"Name":"fed ora","Uuid":"8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a02","State":"shut off","CpuMode":"","NestedCapable":false},{"Name":"web:$(x)","Uuid":"8f0ad8a4-6b1e-4a53-a4a8-5d8a3c1e2a03","State":"shut off","CpuMode":"custom","NestedCapable":false}]
JSON
    ;;
*) exit 1 ;;
esac
STUB
chmod +x "$nv_tmp/bin/nestedvirtctl"
PATH=$nv_tmp/bin:$PATH
export PATH

# What the shell offers for LINE<TAB>, sorted, on one line.
zsh_complete()
{
    zsh -f "$NV_SOURCE_DIR/nv-zsh-complete.zsh" "$zsh_dir" "$1" | LC_ALL=C sort -u | tr '\n' ' '
}
fish_complete()
{
    # fish looks in $fish_complete_path; the DESTDIR's copy goes first.
    # shellcheck disable=SC2016 # fish's own $argv
    run_fish -c 'set -p fish_complete_path $argv[1]; complete -C $argv[2]' "$fish_dir" "$1" |
        cut -f1 | LC_ALL=C sort -u | tr '\n' ' '
}

check()
{
    shell=$1 line=$2 want=$3
    got=$("${shell}_complete" "$line")
    [ "$got" = "$want" ] || nv_fail "$shell: '$line<TAB>' offers '$got', not '$want'"
    nv_ok "$shell: '$line<TAB>' offers: $want"
}

for shell in zsh fish; do
    check "$shell" "nestedvirtctl " "configure-domain disable enable export list-domains reload status "
    check "$shell" "nestedvirtctl re" "reload "
    check "$shell" "nestedvirtctl --" "--help --host --json --no-ask-password --version "
    check "$shell" "nestedvirtctl reload --nested=" "$([ "$shell" = zsh ] && echo "no yes " || echo "--nested=no --nested=yes ")"
    check "$shell" "nestedvirtctl --json=" "$([ "$shell" = zsh ] && echo "off pretty short " || echo "--json=off --json=pretty --json=short ")"
    check "$shell" "nestedvirtctl configure-domain fedora " "host-model host-passthrough "
done
# Guest names: zsh offers them quoted for its command line, fish as they are.
check zsh "nestedvirtctl configure-domain " 'fed\ ora fedora web:\$\(x\) '
# shellcheck disable=SC2016 # a guest's name, not an expansion
check fish "nestedvirtctl configure-domain " 'fed ora fedora web:$(x) '
check zsh "nestedvirtctl enable --" "--no-block --now --when-idle "
check zsh "nestedvirtctl export --" "--nfd --prometheus "
check fish "nestedvirtctl export --p" "--prometheus "
check fish "nestedvirtctl enable --n" "--no-ask-password --no-block --now "
