#!/bin/sh
# Renders a man page the way man(1) does and fails on any groff warning.
set -eu
out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$1" 2>&1 >/dev/null)
if [ -n "$out" ]; then
    printf '%s: %s\n' "$1" "$out" >&2
    exit 1
fi
