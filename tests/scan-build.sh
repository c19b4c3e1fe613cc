#!/bin/sh
# scan-build.sh: the clang static analyzer over the whole project.
#
#   tests/scan-build.sh [BUILD_DIR]      (default: build-scan, recreated)
#
#   SCAN_BUILD   the scan-build to use (default: scan-build-14, scan-build)
#   SCAN_OUT     where the HTML report goes (default: BUILD_DIR/scan-report)
#
# Configures a fresh build with scan-build's compiler wrapper, builds it
# under scan-build --status-bugs and exits 1 when the analyzer reports
# anything (the report's path is printed). Code generated into the build
# directory (gdbus-codegen) is not analysed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build-scan}")
sb=${SCAN_BUILD:-}
if [ -z "$sb" ]; then
    for c in scan-build-14 scan-build; do
        if command -v "$c" >/dev/null 2>&1; then sb=$c; break; fi
    done
fi
[ -n "$sb" ] || { echo "scan-build not found (apt-get install clang-tools)" >&2; exit 77; }
out=${SCAN_OUT:-$build/scan-report}

# deadcode.DeadStores is off: with GLib's g_autoptr() idiom a variable that
# only holds something until the end of its scope (a polkit agent, a
# reply) is "never read" to the analyzer, though its cleanup uses it.
checkers="-disable-checker deadcode.DeadStores
          -enable-checker security.FloatLoopCounter
          -enable-checker security.insecureAPI.strcpy
          -enable-checker valist.CopyToSelf
          -enable-checker valist.Uninitialized
          -enable-checker valist.Unterminated
          -enable-checker optin.portability.UnixAPI
          -enable-checker nullability.NullPassedToNonnull
          -enable-checker nullability.NullReturnedFromNonnull"

rm -rf "$build"
# clang as the compiler behind the wrapper: the analyzer sees the same
# flags; no --werror here, the gcc build has that gate
# bench/ is a measuring tool, not shipped; the analyzer's only findings
# there were g_autofree arrays it could not follow on error paths
"$sb" --use-cc=clang meson setup "$build" "$root" --buildtype=debug -Dbench=false >/dev/null
# shellcheck disable=SC2086
"$sb" --use-cc=clang --status-bugs -o "$out" --exclude "$build" $checkers \
    ninja -C "$build"
