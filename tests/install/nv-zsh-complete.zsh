#!/bin/zsh -f
# SPDX-License-Identifier: LGPL-2.1-or-later
# nv-zsh-complete.zsh DIR LINE: prints, one a line, the candidates zsh's
# completion system offers for LINE<TAB>, with DIR first on $fpath.
# Completion only runs in an interactive shell's line editor, so this
# drives one on a pseudo-terminal (zsh/zpty) and has compadd print what it
# adds, between two NUL marks that compprefuncs and comppostfuncs write.
zmodload zsh/zpty || exit 2
dir=$1 line=$2
setup=$(mktemp) || exit 2
trap 'rm -f $setup; zpty -d nvz 2>/dev/null' EXIT
cat >$setup <<SETUP
PROMPT= RPROMPT= PS2=
fpath=(${(q)dir} \$fpath)
autoload -Uz compinit && compinit -u -D
bindkey '^I' complete-word
__nv_mark() { print -rn -- \$'\\0\\n' }
compprefuncs=(__nv_mark)
comppostfuncs=(__nv_mark exit)
compadd() {
        local -a __nv_hits
        # Calls that only ask (-O, -A, -D) are passed through.
        if (( \${@[(I)-[OAD]]} )); then
                builtin compadd "\$@"
                return
        fi
        builtin compadd -A __nv_hits "\$@"
        (( \$#__nv_hits )) && print -rl -- "\${__nv_hits[@]}"
        builtin compadd "\$@"
}
print -r -- NV-READY
SETUP
zpty nvz zsh -f -i
zpty -w nvz "source ${(q)setup}"
# Bounded: a shell that never gets ready fails the test, it does not hang.
for i in {1..100}; do
        zpty -r -t nvz out && [[ $out == *NV-READY* ]] && break
        (( i == 100 )) && { print -u2 "zsh did not start"; exit 2 }
        sleep 0.1
done
zpty -w -n nvz "$line"$'\t'
inside=0
while zpty -r nvz out; do
        for l in "${(@f)out}"; do
                l=${l%$'\r'}
                if [[ $l == *$'\0'* ]]; then
                        (( ++inside == 2 )) && exit 0
                        continue
                fi
                (( inside == 1 )) && [[ -n $l ]] && print -r -- "$l"
        done
done
exit 1
