#!/bin/sh
# check-format.sh: every C file of the tree is formatted as uncrustify.cfg
# says (uncrustify 0.72, Debian 12's; other versions may format differently).
#
#   tests/check-format.sh          check; exit 1 and show the diff on a difference
#   tests/check-format.sh --fix    reformat the files in place
#
# Exit 77 (skipped) when uncrustify is not installed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
mode=${1:-check}
case $mode in
check|--fix) ;;
*) echo "usage: $0 [--fix]" >&2; exit 2 ;;
esac

if ! command -v uncrustify >/dev/null 2>&1; then
    echo "check-format: uncrustify is not installed (apt-get install uncrustify); skipped" >&2
    exit 77
fi

# the tracked files; in an unpacked tarball, every C file outside build dirs
files=$(git ls-files '*.c' '*.h' 2>/dev/null)
if [ -z "$files" ]; then
    files=$(find . -name '*.[ch]' -not -path './build*' -not -path './.git/*' | sed 's|^\./||' | sort)
fi
if [ -z "$files" ]; then
    echo "check-format: no C files found" >&2
    exit 1
fi

if [ "$mode" = --fix ]; then
    # shellcheck disable=SC2086
    exec uncrustify -q -c uncrustify.cfg --no-backup --replace $files
fi

failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in $files; do
    if ! uncrustify -q -c uncrustify.cfg -f "$f" > "$tmp"; then
        echo "FAIL    $f: uncrustify could not parse it"
        failed=1
    elif ! cmp -s "$f" "$tmp"; then
        echo "FAIL    $f: $(diff "$f" "$tmp" | grep -c '^<') lines differ; the changes:"
        diff -u "$f" "$tmp" | sed 's/^/    /'
        failed=1
    fi
done
[ $failed = 0 ] && echo "check-format: $(echo "$files" | wc -l) files formatted as uncrustify.cfg says"
exit $failed
