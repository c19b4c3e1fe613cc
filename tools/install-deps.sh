#!/bin/sh
# install-deps.sh: installs what building and testing kmodd needs, from
# Debian's archive (Debian 12 "bookworm"). Run as root. Packages already
# installed are not fetched again, so a second run takes a second.
set -eu

# The Cockpit page's browser test (tests/cockpit, suite cockpit) needs
# cockpit-ws, cockpit-bridge and cockpit-system (the shell's menu), chromium,
# chromium-driver and python3-selenium.
# openssh-server: sshd in the VM guest, for kmodctl -H
# (tests/vm/suite-remote.sh); the guest runs the host's programs
# zlib1g-dev liblzma-dev libzstd-dev: kmodd reads the initramfs (gzip, xz,
# zstd: Debian 12's default) to say whether it holds a module; zstd: the
# tests make zstd images with its command
PACKAGES="
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libglib2.0-bin libkmod-dev libpolkit-gobject-1-dev polkitd
  libudev-dev libjson-glib-dev gi-docgen bash-completion
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0
  kmod dbus dbus-daemon util-linux libxml2-utils man-db groff-base systemd
  python3 python3-gi python3-dbus python3-dbusmock
  valgrind clang clang-tools libclang-rt-14-dev uncrustify
  qemu-system-x86 busybox-static cpio udev dosfstools xz-utils zstd
  cockpit-ws cockpit-bridge cockpit-system
  chromium chromium-driver python3-selenium
  openssh-server
  zlib1g-dev liblzma-dev
  libzstd-dev zstd
"

missing=
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: everything is installed"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing:$missing; run me as root to install them" >&2
    exit 1
fi

echo "install-deps: installing$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
