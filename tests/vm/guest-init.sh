#!/bin/sh
# guest-init.sh: turns the guest into a small but real system, runs the guest
# script and powers off.  Everything here is the host's own binaries seen
# through 9p, and every filesystem is already mounted (see
# initramfs-init.sh).  Two ways to get there:
#
#   busybox init (PID 1, reaps orphans) runs it as its sysinit: it starts
#   udevd, the system dbus-daemon and polkitd by hand, like an init system
#   without systemd would.  Bus activation goes through dbus-daemon's setuid
#   launch helper and the activation files' Exec= lines.
#
#   With KMODD_VM_SYSTEMD=1 (vm.py --systemd) it is PID 1 itself: it does the
#   same setup, then execs the host's systemd, restricted to a few units of
#   the host (journald, udevd, dbus, polkit) plus whatever the install tree
#   brings (kmodd.service) and kmodd-vm.target, whose runner service calls
#   this script again with --runner to run the guest script.  Bus activation
#   then goes through systemd (SystemdService=), with the units' sandboxing.
#
# Settings come from /run/kmodd-vm/config, written by vm.py into the control
# share; the exit status goes back through the same share (exit-status) and
# as a KMODD-VM-EXIT=<n> line on the console.  Shell builtins are used where
# they do, since each process costs ~100 ms under TCG.
#
# The guest script runs as root in the host's cwd, with stdin /dev/null and
#   KMODD_VM=1  KMODD_VM_REL  KMODD_VM_RESULTS (dir shared back to the host)
#   KMODD_VM_SYSTEMD (0 or 1)
#   KMODD_TEST_USER=kmoddtest KMODD_TEST_UID=4242 (a member of group kmodd)
#   KMODD_GROUP=kmodd KMODD_GID=4240
set -u
read -r cmdline </proc/cmdline
case " $cmdline " in *" kmodd_vm_trace=1 "*) set -x ;; esac
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM="${TERM:-linux}"
umask 022
ctl=/run/kmodd-vm
self=$0   # an absolute path: vm.py passes GUEST_INIT
# shellcheck source=/dev/null
. $ctl/config
: "${KMODD_VM_SYSTEMD:=0}"

say() { echo "kmodd-vm: $*"; }

finish() {
    echo "$1" > $ctl/exit-status
    echo "KMODD-VM-EXIT=$1"
    sync
    busybox poweroff -f
    sleep 10
}

# --- identity ------------------------------------------------------------------
setup_identity() {
    echo kmodd-vm > /proc/sys/kernel/hostname
    echo kmodd-vm > /etc/hostname
    # group kmodd (the service's admin group) and an unprivileged member of it
    echo "kmodd:x:4240:kmoddtest" >> /etc/group
    echo "kmoddtest:x:4242:" >> /etc/group
    echo "kmoddtest:x:4242:4242:kmodd test user:/home/kmoddtest:/bin/sh" >> /etc/passwd
    echo "kmoddtest:*:19000:0:99999:7:::" >> /etc/shadow
    install -d -o 4242 -g 4242 /home/kmoddtest
}

# --- the tree under test ---------------------------------------------------------
# e.g. a meson DESTDIR: copied over / before the services start, so its bus
# policy, activation files, polkit actions/rules, units and binaries are in
# place.  --keep-directory-symlink: /lib, /bin, /sbin are symlinks into /usr;
# --no-overwrite-dir: the tree's directories (its top, a mktemp dir of mode
# 0700, included) never change the modes of /, /usr...
# No ldconfig: it scans every library directory over 9p (6 to 20 s under
# TCG), and the dynamic loader finds libraries installed to the default
# directories (/usr/lib/x86_64-linux-gnu...) without its cache anyway.
install_tree() {
    [ -n "${KMODD_VM_INSTALL_TREE:-}" ] || return 0
    tar -C "$KMODD_VM_INSTALL_TREE" -cf - . | tar -C / --keep-directory-symlink --no-overwrite-dir -xpf - ||
        say "copying the install tree failed"
}

# static device nodes for modules that are loaded on first open
# (/dev/loop-control, /dev/fuse, /dev/net/tun...), as kmod-static-nodes.service
# and systemd-tmpfiles-setup-dev.service do on a real system
static_nodes() {
    mkdir -p /run/tmpfiles.d
    kmod static-nodes --format=tmpfiles --output=/run/tmpfiles.d/static-nodes.conf
    systemd-tmpfiles --prefix=/dev --create --boot 2>/dev/null
}

# --- services without systemd ------------------------------------------------------
start_services() {
    # udevd: creates /run/udev and turns uevents (module add/remove too) into
    # udev events.  Coldplug would autoload every device driver: opt-in.
    say "services"
    /lib/systemd/systemd-udevd --daemon || say "systemd-udevd failed"
    if [ "$KMODD_VM_COLDPLUG" = 1 ]; then
        udevadm trigger --type=subsystems --action=add
        udevadm trigger --type=devices --action=add
        udevadm settle --timeout=60
    fi

    # The system bus, from the host's /usr/share/dbus-1/system.conf: it drops
    # to user messagebus and listens on /run/dbus/system_bus_socket (the dir
    # must exist); --fork returns once it listens.  Services are
    # bus-activated through the setuid dbus-daemon-launch-helper, with their
    # Exec= lines (no systemd here, so SystemdService= is ignored).
    mkdir -p /run/dbus
    dbus-daemon --system --fork || say "dbus-daemon failed"
    start_polkit
}

# polkitd is started the way a client would, by bus activation
# (org.freedesktop.PolicyKit1.service: Exec=/usr/lib/polkit-1/polkitd
# --no-debug, User=root, or SystemdService=polkit.service under systemd;
# polkitd drops to user polkitd itself).  The call returns once polkitd owns
# its name, so the script never races its startup.
start_polkit() {
    busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        StartServiceByName su org.freedesktop.PolicyKit1 0 >/dev/null ||
        say "polkitd could not be activated"
}

# --- systemd as PID 1 ---------------------------------------------------------------
# systemd only sees the units in $units (SYSTEMD_UNIT_PATH without a trailing
# colon replaces every default directory, generators' included): the host's
# other units (getty, timers, coldplug by systemd-udev-trigger, whatever the
# host enables) do not exist for it, and nothing is masked or changed on /.
SYSTEMD_UNITS="
  sysinit.target basic.target sockets.target paths.target timers.target slices.target
  local-fs.target local-fs-pre.target swap.target shutdown.target umount.target
  final.target poweroff.target systemd-poweroff.service
  system.slice
  systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket
  systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
  dbus.socket dbus.service polkit.service
"
units=/etc/kmodd-vm/units

exec_systemd() {
    mkdir -p $units
    # KMODD_VM_BOOT_UNITS (vm.py run(env=...)): more of the host's units to
    # start at boot, e.g. systemd-modules-load.service, systemd-udev-trigger.service
    for u in $SYSTEMD_UNITS ${KMODD_VM_BOOT_UNITS:-}; do
        [ -e "/lib/systemd/system/$u" ] && ln -sf "/lib/systemd/system/$u" "$units/$u"
    done
    # what the install tree brings (kmodd.service), as installed
    if [ -n "${KMODD_VM_INSTALL_TREE:-}" ]; then
        for d in lib/systemd/system usr/lib/systemd/system; do
            for f in "$KMODD_VM_INSTALL_TREE/$d"/*; do
                [ -f "$f" ] && ln -sf "/lib/systemd/system/${f##*/}" "$units/${f##*/}"
            done
        done
    fi
    cat > $units/kmodd-vm.target <<EOF
[Unit]
Description=kmodd VM test system
Requires=basic.target
Wants=systemd-journald.service systemd-udevd.service dbus.socket dbus.service
Wants=kmodd-vm-runner.service ${KMODD_VM_BOOT_UNITS:-}
After=basic.target
EOF
    cat > $units/kmodd-vm-runner.service <<EOF
[Unit]
Description=kmodd VM guest script
After=basic.target systemd-journald.service systemd-udevd.service dbus.service ${KMODD_VM_BOOT_UNITS:-}

[Service]
Type=exec
ExecStart=/bin/sh $self --runner
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/console
TTYReset=no
TTYVHangup=no
EOF
    say "services"
    # status lines only for failures, so the console stays the script's
    SYSTEMD_UNIT_PATH=$units exec /lib/systemd/systemd --unit=kmodd-vm.target \
        --show-status=error --log-level=info --log-target=journal-or-kmsg
}

# --- the guest script --------------------------------------------------------------
# shellcheck disable=SC2120 # its "$@" are the script's, from KMODD_VM_ARGS
run_script() {
    export KMODD_VM=1 KMODD_VM_REL KMODD_VM_RESULTS=$ctl/results KMODD_VM_SYSTEMD
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
        [ -n "${KMODD_VM_SCRIPT:-}${KMODD_VM_COMMAND:-}" ] && [ $rc != 0 ] &&
            say "script exit status $rc"
        [ -z "${KMODD_VM_SHELL_USER:-}" ] &&
            say "interactive shell: exit powers off, Ctrl-A x kills qemu"
        interactive_shell
        rc=$?
    fi
    finish $rc
}

# ttyS0 rather than /dev/console, so that the shell gets a controlling tty;
# no rc files: the host root's ~/.bashrc (pyenv...) is slow here.  With
# KMODD_VM_SHELL_USER, the shell is that user's, in its home.
interactive_shell() {
    stty -F /dev/ttyS0 rows "${KMODD_VM_ROWS:-24}" cols "${KMODD_VM_COLS:-80}" 2>/dev/null
    export TERM=${KMODD_VM_TERM:-$TERM}
    if [ -n "${KMODD_VM_SHELL_USER:-}" ]; then
        home=$(getent passwd "$KMODD_VM_SHELL_USER" | cut -d: -f6)
        cd "${home:-/}" || cd /
        HOME=${home:-/} USER=$KMODD_VM_SHELL_USER LOGNAME=$KMODD_VM_SHELL_USER \
            PS1='\u@kmodd-vm:\w\$ ' \
            setsid -c setpriv --reuid "$KMODD_VM_SHELL_USER" --regid "$KMODD_VM_SHELL_USER" \
            --init-groups /bin/bash --noprofile --norc -i <>/dev/ttyS0 >&0 2>&0
    else
        PS1='kmodd-vm:\w# ' setsid -c /bin/bash --noprofile --norc -i <>/dev/ttyS0 >&0 2>&0
    fi
}

if [ "${1:-}" = --runner ]; then
    # systemd mode, from kmodd-vm-runner.service
    start_polkit
    run_script
fi

setup_identity
install_tree
static_nodes
if [ "$KMODD_VM_SYSTEMD" = 1 ]; then
    exec_systemd
    say "cannot exec systemd"
    finish 125
fi
start_services
run_script
