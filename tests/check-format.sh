#!/bin/sh
# check-format.sh: the files in tests/format-allowlist.txt are formatted as
# .clang-format says (clang-format 14; other versions format differently).
#
#   tests/check-format.sh            check the allowlist; exit 1 on a diff
#   tests/check-format.sh --report   also list every other C file with the
#                                    number of lines clang-format would change
#   tests/check-format.sh --fix      reformat the allowlisted files in place
#
# Exit 77 (skipped) when no clang-format 14 is installed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mode=${1:-check}

cf=
for c in ${CLANG_FORMAT:-} clang-format-14 clang-format; do
    if command -v "$c" >/dev/null 2>&1 && "$c" --version | grep -q 'version 14\.'; then
        cf=$c
        break
    fi
done
if [ -z "$cf" ]; then
    echo "check-format: no clang-format 14 found (set CLANG_FORMAT); skipped" >&2
    exit 77
fi

allowlist=$(grep -v '^#' tests/format-allowlist.txt | grep -v '^$')

changed_lines() {
    "$cf" --style=file "$1" | diff -U0 "$1" - | grep -c '^-[^-]'
}

failed=0
for f in $allowlist; do
    if [ ! -f "$f" ]; then
        echo "MISSING $f (listed in tests/format-allowlist.txt)"
        failed=1
        continue
    fi
    if [ "$mode" = --fix ]; then
        "$cf" --style=file -i "$f"
        continue
    fi
    if "$cf" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "ok      $f"
    else
        echo "FAIL    $f: $(changed_lines "$f") lines differ; the changes:"
        "$cf" --style=file "$f" | diff -u "$f" - | sed 's/^/    /'
        failed=1
    fi
done

if [ "$mode" = --report ]; then
    echo
    echo "Not on the allowlist (lines clang-format would change):"
    git ls-files -co --exclude-standard '*.c' '*.h' | grep -v '^build' | sort | while read -r f; do
        echo "$allowlist" | grep -qx "$f" && continue
        total=$(wc -l < "$f")
        printf '%6d of %5d  %s\n' "$(changed_lines "$f")" "$total" "$f"
    done
fi

exit $failed
