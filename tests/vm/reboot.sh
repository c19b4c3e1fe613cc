#!/bin/bash
# reboot.sh: configuration that survives a reboot, across two boots of the
# same system (tests/vm/run-suite.sh, part "reboot"; see README.md).
#
#   reboot.sh before   first boot (busybox init, kmodd by bus activation):
#                      SetBootLoad, SetBlocked, SetParameters, persistent and
#                      "runtime"; kmodd's files in /etc go to
#                      $KMODD_VM_RESULTS/etc for the second boot
#   reboot.sh after    second boot (systemd as PID 1 with
#                      systemd-modules-load and udev's coldplug, an e1000
#                      card, the first boot's /etc files): what they did
#
# Writes TAP to $KMODD_VM_RESULTS/PHASE.tap, every case's commands and
# output to PHASE.log; exits 1 if a case failed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
phase=${1:?usage: reboot.sh before|after}
results=${KMODD_VM_RESULTS:-/tmp}
tap=$results/$phase.tap
: > "$tap"
: > "$results/$phase.log"
n=0 failed=0

emit() { echo "$*"; echo "$*" >> "$tap"; }
fail() { echo "FAIL: $*"; return 1; }
run() {
    echo "\$ $*"
    out=$("$@" 2>&1)
    rc=$?
    [ -n "$out" ] && printf '%s\n' "$out"
    echo "[exit $rc]"
}
loaded() { grep -q "^$1 " /proc/modules; }
as_user() { setpriv --reuid 4242 --regid 4242 --init-groups "$@"; }   # kmoddtest
check() {
    local name=$1 fn=$2 output rc
    n=$((n + 1))
    output=$("$fn" 2>&1)
    rc=$?
    printf '== %s\n%s\n' "$fn" "$output" >> "$results/$phase.log"
    if [ $rc = 0 ]; then
        emit "ok $n - reboot $phase: $name"
    else
        failed=$((failed + 1))
        emit "not ok $n - reboot $phase: $name"
        printf '%s\n' "$output" | sed 's/^/#   /' | tee -a "$tap"
    fi
}

# ---- first boot -------------------------------------------------------------------
b_persistent() {
    run kmodctl enable msdos
    [ "$rc" = 0 ] || return 1
    run kmodctl block e1000
    [ "$rc" = 0 ] || return 1
    run kmodctl set-parameters dummy numdummies=2
    [ "$rc" = 0 ] || return 1
    cat /etc/modules-load.d/kmodd.conf /etc/modprobe.d/kmodd.conf
    grep -qx msdos /etc/modules-load.d/kmodd.conf || fail "msdos not in modules-load.d"
    grep -qx 'install e1000 /bin/false' /etc/modprobe.d/kmodd.conf || fail "e1000 not blocked"
}

b_runtime() {
    mkdir -p /run/modules-load.d /run/modprobe.d
    run kmodctl enable --runtime vfat
    [ "$rc" = 0 ] || return 1
    run kmodctl block --runtime minix
    [ "$rc" = 0 ] || return 1
    run kmodctl set-parameters --runtime brd rd_nr=3
    [ "$rc" = 0 ] || return 1
    [ -f /run/modules-load.d/kmodd.runtime.conf ] || fail "no runtime modules-load.d file"
    [ -f /run/modprobe.d/kmodd.runtime.conf ] || fail "no runtime modprobe.d file"
    run modprobe minix
    [ "$rc" != 0 ] || fail "minix loads while blocked for this boot"
}

b_keep_etc() {
    # what a reboot keeps: /etc
    mkdir -p "$results/etc/modules-load.d" "$results/etc/modprobe.d"
    cp /etc/modules-load.d/kmodd.conf "$results/etc/modules-load.d/" &&
        cp /etc/modprobe.d/kmodd.conf "$results/etc/modprobe.d/"
}

# ---- second boot ------------------------------------------------------------------
a_systemd() {
    [ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm)"
}

a_boot_load() {
    # nothing has called kmodd yet in this boot: msdos (no device needs it)
    # can only have come from systemd-modules-load
    run systemctl show -p ActiveState -p Result -p ExecMainStatus systemd-modules-load.service
    grep -qx Result=success <<<"$out" || fail "systemd-modules-load.service did not succeed"
    run systemctl show -p ActiveState -p InvocationID kmodd.service
    grep -qx InvocationID= <<<"$out" || fail "kmodd.service ran before this case"
    loaded msdos || fail "msdos is not loaded" || return 1
    run journalctl -b --no-pager -t systemd-modules-load
    grep -q "Inserted module 'msdos'" <<<"$out" || fail "systemd-modules-load did not insert msdos"
}

a_blocked() {
    local dev card=
    run systemctl show -p ActiveState -p Result systemd-udev-trigger.service
    udevadm settle --timeout=120
    for dev in /sys/bus/pci/devices/*; do
        [ "$(cat "$dev/vendor"):$(cat "$dev/device")" = 0x8086:0x100e ] && card=$dev
    done
    [ -n "$card" ] || fail "no e1000 card (8086:100e) in the guest" || return 1
    echo "e1000 card at $card; driver: $(readlink "$card/driver" 2>/dev/null || echo none)"
    run udevadm info -q property -p "${card#/sys}"
    grep -q '^MODALIAS=pci:v00008086d0000100E' <<<"$out" || fail "udev does not know the card"
    [ ! -e "$card/driver" ] || fail "the e1000 card has a driver"
    loaded e1000 && fail "e1000 is loaded"
    run kmodctl config e1000
    grep -q 'Blocked: *yes' <<<"$out" || fail "kmodctl config does not say blocked"
}

a_parameters() {
    run kmodctl load dummy
    [ "$rc" = 0 ] || return 1
    run ip -o link show type dummy
    [ "$(grep -c dummy <<<"$out")" = 2 ] || fail "not two dummy interfaces"
    [ "$(cat /sys/module/dummy/parameters/numdummies 2>/dev/null || echo 2)" = 2 ] ||
        fail "numdummies is not 2"
    run kmodctl unload dummy
}

a_runtime_gone() {
    [ ! -e /run/modules-load.d/kmodd.runtime.conf ] || fail "runtime modules-load.d file survived"
    [ ! -e /run/modprobe.d/kmodd.runtime.conf ] || fail "runtime modprobe.d file survived"
    loaded vfat && fail "vfat was loaded at boot"
    run kmodctl load minix
    [ "$rc" = 0 ] || fail "minix is still blocked"
    run kmodctl load brd
    [ "$(cat /sys/module/brd/parameters/rd_nr)" = 3 ] && fail "rd_nr is still 3"
    run kmodctl unload brd
    run kmodctl unload minix
    true
}

a_now() {
    local old
    old=$(cat /sys/module/overlay/parameters/redirect_dir)
    run kmodctl set-parameters --now overlay redirect_dir=N
    [ "$rc" = 0 ] || return 1
    [ "$(cat /sys/module/overlay/parameters/redirect_dir)" = N ] || fail "redirect_dir is not N"
    run kmodctl set-parameters --now overlay "redirect_dir=$old"
    run kmodctl set-parameters overlay
    run kmodctl load brd
    run kmodctl set-parameters --now brd rd_nr=5
    [ "$rc" = 2 ] || fail "a read-only parameter was not refused"
    grep -q rd_nr <<<"$out" || fail "the refusal does not name rd_nr"
    run kmodctl unload brd
}

a_private_parameter() {
    local f m p
    # a loaded module with a parameter only root may read
    for f in /sys/module/*/parameters/*; do
        [ "$(stat -c %a "$f")" = 600 ] || continue
        m=${f#/sys/module/}; m=${m%%/*}; p=${f##*/}
        loaded "$m" && break
        m=
    done
    if [ -z "${m:-}" ]; then
        echo "no loaded module has a 0600 parameter here"
        find /sys/module/*/parameters -perm 600 2>/dev/null | head
        return 0
    fi
    echo "module $m, parameter $p (0600)"
    run as_user kmodctl config --json "$m"
    [ "$rc" = 0 ] || return 1
    grep -q "\"$p\" *:" <<<"$out" && fail "an unprivileged caller sees $p"
    grep -q "\"$p\"" <<<"$out" || fail "$p is not named as hidden"
    run kmodctl config --json "$m"
    grep -q "\"$p\" *:" <<<"$out" || fail "root does not see $p"
}

case $phase in
before)
    check "enable msdos, block e1000, set-parameters dummy numdummies=2 (in /etc)" b_persistent
    check "enable --runtime vfat, block --runtime minix, set-parameters --runtime brd rd_nr=3 (in /run)" b_runtime
    check "kmodd's /etc files kept for the next boot" b_keep_etc
    ;;
after)
    check "second boot: systemd is PID 1" a_systemd
    check "second boot: systemd-modules-load loaded msdos from kmodd's file" a_boot_load
    check "second boot: udev's coldplug did not load e1000 for the e1000 card" a_blocked
    check "second boot: a load of dummy gives two interfaces (numdummies=2)" a_parameters
    check "second boot: every --runtime change is gone" a_runtime_gone
    check "second boot: --now changes a writable parameter, refuses a read-only one" a_now
    check "second boot: an unprivileged caller never sees a 0600 parameter's value" a_private_parameter
    ;;
*)
    echo "unknown phase $phase"
    exit 2
    ;;
esac
[ $failed = 0 ]
