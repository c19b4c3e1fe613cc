#!/bin/bash
# smoke.sh: guest script that checks the VM is a real system for kmodd's
# tests: real modules, holders and use counts, uevents through udevd, the
# system bus, polkit, and an unprivileged user.  Run it from the host with
#
#   /usr/bin/python3 tests/vm/vm.py run tests/vm/smoke.sh [--results DIR]
#
# Prints TAP ("ok N - name" / "not ok N - name", the plan last) and a closing
# "N passed, N failed" line; the TAP also goes to $KMODD_VM_RESULTS/smoke.tap.
# Exits 1 if any check failed.
set -u
n=0 passed=0 failed=0
tap=${KMODD_VM_RESULTS:-/tmp}/smoke.tap
: > "$tap"

emit() { echo "$*"; echo "$*" >> "$tap"; }

# check NAME FUNCTION: one test; the function's output is shown on failure
check() {
    local name=$1 out t0=$EPOCHREALTIME
    n=$((n + 1))
    if out=$("$2" 2>&1); then
        emit "ok $n - $name # $(elapsed "$t0")"
        passed=$((passed + 1))
    else
        emit "not ok $n - $name"
        printf '%s\n' "$out" | sed 's/^/#   /' | tee -a "$tap"
        failed=$((failed + 1))
    fi
}
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }'; }

loaded() { grep -q "^$1 " /proc/modules; }
# field 3 of /proc/modules: use count; field 4: holders ("msdos," or "-")
usecount() { awk -v m="$1" '$1 == m { print $3 }' /proc/modules; }
holders() { awk -v m="$1" '$1 == m { print $4 }' /proc/modules; }
fail() { echo "$*"; return 1; }
as_user() { setpriv --reuid "$KMODD_TEST_UID" --regid "$KMODD_TEST_UID" --init-groups "$@"; }

# start listening for module uevents before anything is loaded
mon=/tmp/udev-monitor.log
stdbuf -oL udevadm monitor --kernel --udev --subsystem-match=module > $mon 2>&1 &
monpid=$!
for _ in $(seq 50); do grep -q '^UDEV - ' $mon && break; sleep 0.1; done

t_proc_modules() {
    [ -s /proc/modules ] || fail "no /proc/modules"
    [ "$(uname -r)" = "$KMODD_VM_REL" ] || fail "running $(uname -r), not $KMODD_VM_REL"
    local f
    f=$(modinfo -n msdos) || return 1
    [ -f "$f" ] || fail "modinfo -n msdos: $f is not a file"
    case $f in /lib/modules/"$KMODD_VM_REL"/*) ;; *) fail "msdos at $f" ;; esac
    loaded fat && fail "fat is loaded already"
    return 0
}

t_modprobe_msdos() {
    modprobe msdos || return 1
    loaded msdos || fail "msdos not in /proc/modules"
    loaded fat || fail "fat not in /proc/modules"
    [ -e /sys/module/fat/holders/msdos ] || fail "no /sys/module/fat/holders/msdos"
    [ "$(holders fat)" = "msdos," ] || fail "fat holders: $(holders fat)"
    [ "$(usecount fat)" = 1 ] || fail "fat use count: $(usecount fat)"
}

t_rmmod_fat_refused() {
    if rmmod fat; then fail "rmmod fat succeeded"; fi
    loaded fat || fail "fat is gone"
}

t_modprobe_r_msdos() {
    modprobe -r msdos || return 1
    loaded msdos && fail "msdos still loaded"
    loaded fat && fail "fat still loaded"
    return 0
}

t_udev_module_events() {
    local want=("KERNEL.* add +/module/fat " "KERNEL.* add +/module/msdos "
                "UDEV .* add +/module/fat " "UDEV .* add +/module/msdos "
                "KERNEL.* remove +/module/msdos " "KERNEL.* remove +/module/fat "
                "UDEV .* remove +/module/msdos " "UDEV .* remove +/module/fat ")
    local w missing
    for _ in $(seq 50); do
        missing=
        for w in "${want[@]}"; do grep -Eq "^$w" $mon || missing="$missing [$w]"; done
        [ -z "$missing" ] && break
        sleep 0.1
    done
    kill $monpid
    [ -z "$missing" ] || { cat $mon; fail "missing events:$missing"; }
}

t_system_bus() {
    local names
    names=$(busctl --system list --no-pager --no-legend) || return 1
    grep -q '^org\.freedesktop\.DBus ' <<<"$names" || fail "no org.freedesktop.DBus: $names"
    grep -q '^org\.freedesktop\.PolicyKit1 ' <<<"$names" || fail "polkitd not on the bus: $names"
}

t_polkit() {
    local r
    r=$(busctl --system get-property org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority \
        org.freedesktop.PolicyKit1.Authority BackendName) || return 1
    [ "$r" = 's "js"' ] || fail "BackendName: $r"
    pkcheck --action-id org.freedesktop.policykit.exec --process $$ || fail "root not authorized"
}

t_unprivileged_bus() {
    local r
    [ "$(as_user id -u)" = "$KMODD_TEST_UID" ] || fail "setpriv: $(as_user id)"
    as_user id -Gn | grep -qw "$KMODD_GROUP" || fail "$KMODD_TEST_USER not in $KMODD_GROUP"
    r=$(as_user busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus GetConnectionUnixUser s org.freedesktop.PolicyKit1) || return 1
    [ "$r" = "u $(id -u polkitd)" ] || fail "GetConnectionUnixUser: $r"
    # polkit sees the caller as uid 4242: admin authentication needed (2)
    as_user sh -c 'exec pkcheck --action-id org.freedesktop.policykit.exec --process $$'
    r=$?
    [ $r = 2 ] || fail "pkcheck as $KMODD_TEST_USER exited $r, not 2 (challenge)"
}

img=/tmp/vfat.img mnt=/tmp/vfat-mnt
t_vfat_in_use() {
    local loopdev
    loaded vfat && fail "vfat is loaded already"
    truncate -s 16M $img && mkfs.vfat $img >/dev/null || return 1
    # /dev/loop-control is a static node: opening it autoloads loop
    loopdev=$(losetup --find --show $img) || return 1
    mkdir -p $mnt
    mount -t vfat "$loopdev" $mnt || return 1     # autoloads vfat (fs-vfat)
    echo hello > $mnt/hello.txt || return 1
    [ "$(usecount vfat)" = 1 ] || fail "vfat use count: $(usecount vfat)"
    [ "$(cat /sys/module/vfat/refcnt)" = 1 ] || fail "refcnt $(cat /sys/module/vfat/refcnt)"
    if rmmod vfat; then fail "rmmod vfat succeeded while mounted"; fi
    loaded vfat || fail "vfat is gone"
}

t_vfat_unmounted() {
    local loopdev
    loopdev=$(losetup --noheadings --output NAME --associated $img) || return 1
    umount $mnt || return 1
    losetup -d "$loopdev" || return 1
    [ "$(usecount vfat)" = 0 ] || fail "vfat use count: $(usecount vfat)"
    rmmod vfat || return 1
    loaded vfat && fail "vfat still loaded"
    return 0
}

check "real /proc/modules, fixture modules at /lib/modules/REL" t_proc_modules
check "modprobe msdos loads fat and msdos, fat held by msdos" t_modprobe_msdos
check "rmmod fat refused while msdos holds it" t_rmmod_fat_refused
check "modprobe -r msdos removes msdos and fat" t_modprobe_r_msdos
check "udevd running, module add/remove uevents seen" t_udev_module_events
check "system bus lists org.freedesktop.DBus and polkit" t_system_bus
check "polkit answers (backend js, root authorized)" t_polkit
check "uid $KMODD_TEST_UID talks to the system bus, polkit sees it unprivileged" t_unprivileged_bus
check "vfat on a loop device: use count 1, rmmod refused" t_vfat_in_use
check "vfat unmounted: use count 0, rmmod works" t_vfat_unmounted

emit "1..$n"
emit "$passed passed, $failed failed"
[ $failed = 0 ]
