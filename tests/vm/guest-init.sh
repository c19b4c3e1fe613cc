#!/bin/sh
# guest-init.sh: turns the guest into a small but real system, runs the guest
# script and powers off.  busybox init (PID 1, which reaps orphans) starts it
# right after initramfs-init.sh switch_rooted into the overlay of the host's
# /, with every filesystem already mounted (see initramfs-init.sh).
#
# Everything here is the host's own binaries seen through 9p.  Settings come
# from /run/kmodd-vm/config, written by vm.py into the control share; the
# exit status goes back through the same share (exit-status) and as a
# KMODD-VM-EXIT=<n> line on the console.  Shell builtins are used where they
# do, since each process costs ~100 ms under TCG.
#
# The guest script runs as root in the host's cwd, with stdin /dev/null and
#   KMODD_VM=1  KMODD_VM_REL  KMODD_VM_RESULTS (dir shared back to the host)
#   KMODD_TEST_USER=kmoddtest KMODD_TEST_UID=4242 (a member of group kmodd)
#   KMODD_GROUP=kmodd KMODD_GID=4240
set -u
read -r cmdline </proc/cmdline
case " $cmdline " in *" kmodd_vm_trace=1 "*) set -x ;; esac
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM="${TERM:-linux}"
umask 022
ctl=/run/kmodd-vm
# shellcheck source=/dev/null
. $ctl/config

say() { echo "kmodd-vm: $*"; }

finish() {
    echo "$1" > $ctl/exit-status
    echo "KMODD-VM-EXIT=$1"
    sync
    busybox poweroff -f
    sleep 10
}

# --- identity ------------------------------------------------------------------
echo kmodd-vm > /proc/sys/kernel/hostname
echo kmodd-vm > /etc/hostname
# group kmodd (the service's admin group) and an unprivileged member of it
echo "kmodd:x:4240:kmoddtest" >> /etc/group
echo "kmoddtest:x:4242:" >> /etc/group
echo "kmoddtest:x:4242:4242:kmodd test user:/home/kmoddtest:/bin/sh" >> /etc/passwd
echo "kmoddtest:*:19000:0:99999:7:::" >> /etc/shadow
install -d -o 4242 -g 4242 /home/kmoddtest

# --- the tree under test ---------------------------------------------------------
# e.g. a meson DESTDIR: copied over / before the services start, so its bus
# policy, activation files, polkit actions/rules and binaries are in place.
# --keep-directory-symlink: /lib, /bin, /sbin are symlinks into /usr.
if [ -n "${KMODD_VM_INSTALL_TREE:-}" ]; then
    tar -C "$KMODD_VM_INSTALL_TREE" -cf - . | tar -C / --keep-directory-symlink -xpf - ||
        say "copying the install tree failed"
    if find "$KMODD_VM_INSTALL_TREE" -name '*.so*' | grep -q .; then ldconfig; fi
fi

# --- services --------------------------------------------------------------------
# static device nodes for modules that are loaded on first open
# (/dev/loop-control, /dev/fuse, /dev/net/tun...), as kmod-static-nodes.service
# and systemd-tmpfiles-setup-dev.service do on a real system
mkdir -p /run/tmpfiles.d
kmod static-nodes --format=tmpfiles --output=/run/tmpfiles.d/static-nodes.conf
systemd-tmpfiles --prefix=/dev --create --boot 2>/dev/null

# udevd: creates /run/udev and turns uevents (module add/remove too) into
# udev events.  Coldplug would autoload every device driver, so it is opt-in.
say "services"
/lib/systemd/systemd-udevd --daemon || say "systemd-udevd failed"
if [ "$KMODD_VM_COLDPLUG" = 1 ]; then
    udevadm trigger --type=subsystems --action=add
    udevadm trigger --type=devices --action=add
    udevadm settle --timeout=60
fi

# The system bus, from the host's /usr/share/dbus-1/system.conf: it drops to
# user messagebus and listens on /run/dbus/system_bus_socket (the dir must
# exist); --fork returns once it listens.  Services are bus-activated through
# the setuid dbus-daemon-launch-helper, with their Exec= lines (no systemd
# here, so SystemdService= is ignored).
mkdir -p /run/dbus
dbus-daemon --system --fork || say "dbus-daemon failed"

# polkitd is started the way a client would, by bus activation
# (org.freedesktop.PolicyKit1.service: Exec=/usr/lib/polkit-1/polkitd
# --no-debug, User=root; polkitd drops to user polkitd itself).  The call
# returns once polkitd owns its name, so the script never races its startup.
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
    StartServiceByName su org.freedesktop.PolicyKit1 0 >/dev/null ||
    say "polkitd could not be activated"

# --- the guest script --------------------------------------------------------------
export KMODD_VM=1 KMODD_VM_REL KMODD_VM_RESULTS=$ctl/results
export KMODD_TEST_USER=kmoddtest KMODD_TEST_UID=4242 KMODD_GROUP=kmodd KMODD_GID=4240
cd "$KMODD_VM_CWD" 2>/dev/null || cd /

echo "KMODD-VM-SCRIPT-START"
rc=0
if [ -n "${KMODD_VM_SCRIPT:-}" ]; then
    eval "set -- $KMODD_VM_ARGS"
    if [ -x "$KMODD_VM_SCRIPT" ]; then
        "$KMODD_VM_SCRIPT" "$@" </dev/null
    else
        /bin/sh "$KMODD_VM_SCRIPT" "$@" </dev/null
    fi
    rc=$?
elif [ -n "${KMODD_VM_COMMAND:-}" ]; then
    /bin/sh -c "$KMODD_VM_COMMAND" </dev/null
    rc=$?
fi

if [ "$KMODD_VM_MODE" = shell ]; then
    [ -n "${KMODD_VM_SCRIPT:-}${KMODD_VM_COMMAND:-}" ] && say "script exit status $rc"
    say "interactive shell: exit powers off, Ctrl-A x kills qemu"
    # ttyS0 rather than /dev/console, so that the shell gets a controlling
    # tty; no rc files: the host root's ~/.bashrc (pyenv...) is slow here
    stty -F /dev/ttyS0 rows "${KMODD_VM_ROWS:-24}" cols "${KMODD_VM_COLS:-80}" 2>/dev/null
    TERM=${KMODD_VM_TERM:-$TERM} PS1='kmodd-vm:\w# ' \
        setsid -c /bin/bash --noprofile --norc -i <>/dev/ttyS0 >&0 2>&0
    rc=$?
fi
finish $rc
