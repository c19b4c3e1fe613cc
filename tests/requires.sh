#!/bin/sh
# requires.sh: run a test only when what it needs is here, else skip it with
# exit 77 (meson's "skipped") and a one-line reason saying what to do.
#
#   tests/requires.sh [root] [fixture] [netns] [cockpit] -- COMMAND ARGS...
#
#   root     the test runs kmodd as root (it owns the system bus name)
#   fixture  Debian's kernel package, unpacked (sudo tools/fetch-kernel)
#   netns    a network namespace of its own (unshare --net)
#   cockpit  cockpit-ws, chromium, chromium-driver, python3-selenium
#
# tools/run-tests (CI, as root) fails when anything was skipped.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
here=$(cd "$(dirname "$0")" && pwd)

skip() {
    echo "SKIP: $*" >&2
    echo "1..0 # SKIP $*"
    exit 77
}

while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case $1 in
    root)
        [ "$(id -u)" = 0 ] || skip "needs root: run sudo meson test -C build (or sudo tools/run-tests)" ;;
    fixture)
        sh "$here/fixtures/fetch-kernel.sh" --cached >/dev/null 2>&1 \
            || skip "needs Debian's kernel package: run sudo tools/fetch-kernel" ;;
    netns)
        unshare --net true 2>/dev/null || skip "needs a network namespace (unshare --net)" ;;
    cockpit)
        { [ -x /usr/lib/cockpit/cockpit-ws ] && command -v cockpit-bridge >/dev/null \
            && [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
            && /usr/bin/python3 -c 'import selenium' 2>/dev/null; } \
            || skip "needs cockpit-ws, cockpit-bridge, chromium, chromium-driver and python3-selenium: run sudo tools/install-deps.sh" ;;
    *)
        echo "requires.sh: unknown requirement $1" >&2
        exit 99 ;;
    esac
    shift
done
[ "${1:-}" = "--" ] && shift
exec "$@"
