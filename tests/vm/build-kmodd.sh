#!/bin/sh
# build-kmodd.sh DESTDIR: builds kmodd for the VM as a distribution would
# (prefix /usr, /etc, libexecdir lib/kmodd) in build-vm/ at the top of the
# checkout, and installs it into DESTDIR (meson install --destdir), which
# vm.py --install-tree then copies over the guest's /.
#
# build-vm/ is kept between runs (ninja rebuilds what changed); DESTDIR must
# be new or empty.  The build's output goes to build-vm/build.log, its tail
# to stderr if something fails.  Used by run-suite.sh and tools/try-kmodd.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:?usage: build-kmodd.sh DESTDIR}
build=$top/build-vm
log=$build/build.log
mkdir -p "$build"

configure() {
    # options that the VM needs: paths of a real install; the API reference
    # and the VM suite's own registration are not needed here
    set -- --prefix=/usr --sysconfdir=/etc --localstatedir=/var --libexecdir=lib/kmodd \
        --werror -Ddocs=disabled -Dvm_tests=disabled
    if [ -f "$build/build.ninja" ]; then
        meson setup --reconfigure "$build" "$top" "$@"
    else
        meson setup "$build" "$top" "$@"
    fi
}

# one build at a time in build-vm/ (run-suite.sh and try-kmodd may overlap)
exec 9> "$build/.lock"
flock 9
if ! { configure && ninja -C "$build" && meson install -C "$build" --no-rebuild --destdir "$dest"; } \
        > "$log" 2>&1; then
    echo "build-kmodd: building or installing kmodd failed; the end of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
fi
[ -x "$dest/usr/lib/kmodd/kmodd" ] && [ -x "$dest/usr/bin/kmodctl" ] || {
    echo "build-kmodd: $dest has no usr/lib/kmodd/kmodd or usr/bin/kmodctl" >&2
    exit 1
}
