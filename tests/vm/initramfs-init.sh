#!/bin/busybox sh
# initramfs-init.sh: PID 1 of the busybox initramfs that vm.py builds.  It
# lays out the guest's filesystems, then switch_roots into busybox init,
# which runs guest-init.sh (services + the guest script) and reaps orphans.
#
#   /            overlayfs: the host's / (virtio-9p tag "hostroot", read-only)
#                under a tmpfs upper layer, so the guest may write anywhere
#   /lib/modules/REL   the fixture kernel's modules (another overlay, writable)
#   /proc /sys /dev /dev/pts /dev/shm /sys/fs/cgroup (cgroup2) /run /tmp
#   /run/kmodd-vm      the per-run control share (tag "kmoddctl"): config,
#                      results/, exit-status
#   shares from --share/--results (tags share0, share1, ...)
#
# All of this is done here, with static busybox, because every process the
# guest starts from the 9p root costs ~100 ms under TCG and busybox's ~20 ms.
# /etc/kmodd-vm.conf (built into the initramfs) gives KMODD_REL, KMODD_KROOT
# (the fixture's root on the host) and KMODD_MODULES (.ko files in /modules,
# in load order); the kernel command line gives kmodd_vm_init (guest-init.sh's
# path) and kmodd_vm_trace=1 (set -x).  The hand-over goes to busybox init,
# which runs guest-init.sh, or with KMODD_VM_SYSTEMD=1 in the control share's
# config to guest-init.sh itself as PID 1, which ends by exec'ing systemd.
/bin/busybox --install -s /bin
export PATH=/bin
echo "kmodd-vm: initramfs"   # vm.py times the boot phases by these lines
[ "${kmodd_vm_trace:-}" = 1 ] && set -x

fail() {
    echo "kmodd-vm initramfs: $*"
    echo "KMODD-VM-EXIT=125"
    poweroff -f
    sleep 10
}

# shellcheck source=/dev/null
. /etc/kmodd-vm.conf

for ko in $KMODD_MODULES; do
    insmod "/modules/$ko" || fail "insmod $ko failed"
done

# --- root: overlay of the host's / -------------------------------------------
n=/newroot
mkdir -p /lower /rw $n
# cache=loose: the host's / is read-only for us and hardly changes during a
# run; caching makes exec and path lookups much cheaper.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
    fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/root/upper /rw/root/work /rw/mod/upper /rw/mod/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/root/upper,workdir=/rw/root/work overlay $n ||
    fail "cannot mount the root overlay"

# the host has no modules for KMODD_REL: show the fixture's (mkdir follows
# the host's /lib -> usr/lib symlink)
mods=/lower$KMODD_KROOT/lib/modules/$KMODD_REL
[ -f "$mods/modules.dep.bin" ] || fail "no modules at $mods"
mkdir -p "$n/lib/modules/$KMODD_REL"
mount -t overlay -o "lowerdir=$mods,upperdir=/rw/mod/upper,workdir=/rw/mod/work" overlay \
    "$n/lib/modules/$KMODD_REL" || fail "cannot mount the modules overlay"

# --- API filesystems -----------------------------------------------------------
mount -t proc proc $n/proc
mount -t sysfs sysfs $n/sys
mount -t devtmpfs devtmpfs $n/dev
mkdir -p $n/dev/pts $n/dev/shm
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts $n/dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs $n/dev/shm
# busctl and sd-bus read peers' cgroups: needs the unified hierarchy
mount -t cgroup2 -o nsdelegate cgroup2 $n/sys/fs/cgroup
mount -t securityfs securityfs $n/sys/kernel/security 2>/dev/null
mount -t debugfs debugfs $n/sys/kernel/debug 2>/dev/null
mount -t configfs configfs $n/sys/kernel/config 2>/dev/null
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs $n/run

# --- the control share and its config ----------------------------------------
ctl=$n/run/kmodd-vm
mkdir -p $ctl
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 kmoddctl $ctl ||
    fail "cannot mount the control share"
# shellcheck source=/dev/null
. $ctl/config   # KMODD_VM_TMP_KEEP, KMODD_VM_SHARES, ...

# A fresh /tmp, but host dirs under /tmp that the run needs (a checkout or
# build dir there, say) are bound back from the overlay's /tmp.
if [ -n "$KMODD_VM_TMP_KEEP" ]; then
    mkdir -p $n/run/kmodd-vm-hosttmp
    mount --bind $n/tmp $n/run/kmodd-vm-hosttmp
fi
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs $n/tmp
for d in $KMODD_VM_TMP_KEEP; do
    mkdir -p "$n/tmp/$d" && mount --bind "$n/run/kmodd-vm-hosttmp/$d" "$n/tmp/$d"
done

# extra 9p shares, "tag:guestdir:ro|rw" each
for s in $KMODD_VM_SHARES; do
    tag=${s%%:*}; rest=${s#*:}; dir=${rest%:*}; mode=${rest##*:}
    mkdir -p "$n$dir"
    mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,$mode" "$tag" "$n$dir" ||
        fail "cannot mount share $tag at $dir"
done

ip link set lo up

# --- hand over -------------------------------------------------------------------
[ -n "${kmodd_vm_init:-}" ] || fail "no kmodd_vm_init= on the kernel command line"
[ -f "$n$kmodd_vm_init" ] || fail "guest init $kmodd_vm_init not found"
[ -x $n/bin/busybox ] || fail "the host has no /bin/busybox (busybox-static)"
echo "kmodd-vm: switch_root"
if [ "${KMODD_VM_SYSTEMD:-0}" = 1 ]; then
    # guest-init.sh is PID 1 and execs systemd once the system is set up
    exec switch_root $n /bin/sh "$kmodd_vm_init"
fi
printf '::sysinit:/bin/sh %s\n' "$kmodd_vm_init" > $n/etc/inittab
exec switch_root $n /bin/busybox init
