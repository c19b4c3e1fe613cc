#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Checks kmodctl's bash completion: commands, options per command, module
# names for load/info (from /lib/modules/$(uname -r)) and unload (from
# /proc/modules). Both are faked with functions so that the test does not
# depend on the machine's kernel.
#
# usage: test-completion.sh kmodctl.bash-completion
set -u

if [[ -r /usr/share/bash-completion/bash_completion ]]; then
    # shellcheck disable=SC1091
    source /usr/share/bash-completion/bash_completion
else
    # the little of bash-completion the script uses
    _init_completion() {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        # -s: --option=value completes value, after --option
        if [[ $cur == --*=* ]]; then
            prev=${cur%%=*}
            cur=${cur#*=}
        fi
    }
fi
# shellcheck disable=SC1090
source "$1"

complete -p kmodctl >/dev/null || { echo "no completion for kmodctl"; exit 1; }

_kmodctl_available_modules() { printf '%s\n' msdos snd-dummy vfat loop; }
_kmodctl_loaded_modules() { printf '%s\n' fat msdos; }

failures=0

# expect "WORDS..." "EXPECTED REPLIES": completes the last word of WORDS
expect() {
    local line=$1 expected=$2
    read -r -a COMP_WORDS <<< "$line"
    [[ $line == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMPREPLY=()
    _kmodctl kmodctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    local got
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
    if [[ $got != "$expected" ]]; then
        echo "FAIL: '$line' completed to '$got', expected '$expected'"
        failures=$((failures + 1))
    else
        echo "ok: '$line' -> '$got'"
    fi
}

expect 'kmodctl ' 'autoclean block config devices disable enable help info list load monitor reload set-parameters status unblock unload'
expect 'kmodctl lo' 'load'
expect 'kmodctl --' '--help --host= --timeout= --version'
expect 'kmodctl -H myhost ' 'autoclean block config devices disable enable help info list load monitor reload set-parameters status unblock unload'
expect 'kmodctl -H myhost --timeout 5 load ms' 'msdos'
expect 'kmodctl --host=myhost unload ' 'fat msdos'
expect 'kmodctl load ' 'loop msdos snd-dummy vfat'
expect 'kmodctl load ms' 'msdos'
expect 'kmodctl load --autoclean v' 'vfat'
expect 'kmodctl load msdos ' ''
expect 'kmodctl load --' '--autoclean --dry-run --help --no-block'
expect 'kmodctl info s' 'snd-dummy'
expect 'kmodctl unload ' 'fat msdos'
expect 'kmodctl unload --dependencies m' 'msdos'
expect 'kmodctl unload --d' '--dependencies --dry-run'
expect 'kmodctl reload ' 'fat msdos'
expect 'kmodctl reload --' '--dry-run --help --parameters='
expect 'kmodctl reload --parameters ' ''
expect 'kmodctl reload --parameters max_loop=4 ' 'fat msdos'
expect 'kmodctl reload --parameters=max_loop=4 m' 'msdos'
expect 'kmodctl reload msdos ' ''
expect 'kmodctl list --' '--autoclean --builtin --help --json'
expect 'kmodctl devices --' '--help --json --unbound'
expect 'kmodctl autoclean --' '--all --help'
expect 'kmodctl help un' 'unblock unload'
expect 'kmodctl block --' '--dry-run --help --in-use --json --runtime'
expect 'kmodctl set-parameters --' '--dry-run --help --json --now --runtime'
expect 'kmodctl enable ms' 'msdos'
expect 'kmodctl set-parameters loop ' ''
expect 'kmodctl config --json v' 'vfat'

# hosts for -H, from ~/.ssh/known_hosts; hashed entries are skipped
HOME=$(mktemp -d)
trap 'rm -rf "$HOME"' EXIT
mkdir "$HOME/.ssh"
cat > "$HOME/.ssh/known_hosts" <<'HOSTS'
server.example.com,192.0.2.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake
[gateway.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake
|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-rsa AAAAB3Fake
@cert-authority *.example.com ssh-rsa AAAAB3Fake
*.internal ssh-ed25519 AAAAC3Fake
# a comment
HOSTS
expect 'kmodctl -H ' '192.0.2.7 gateway.example.com:2222 server.example.com'
expect 'kmodctl -H se' 'server.example.com'
expect 'kmodctl -H admin@se' 'admin@server.example.com'
expect 'kmodctl --host ga' 'gateway.example.com:2222'
# bash replaces only what follows "=" (it is in COMP_WORDBREAKS)
expect 'kmodctl --host=ser' 'server.example.com'

exit $((failures > 0))
