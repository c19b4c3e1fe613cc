# suite-systemd.sh: the cases of tests/vm/suite.sh that run in the part
# "systemd" (systemd as PID 1, the installed, hardened kmodd.service).
# Sourced by suite.sh, whose helpers (run, check, expect_*, as_member, ...)
# they use.
# shellcheck shell=bash

unit_pid() { systemctl show -P MainPID kmodd.service; }

t_sd_activation() {
    local pid
    [ "$(systemctl is-active kmodd.service)" != active ] || fail "kmodd.service runs before any call"
    run as_member kmodctl status
    expect_status 0 || return 1
    systemctl status --no-pager -l kmodd.service
    [ "$(systemctl is-active kmodd.service)" = active ] || fail "kmodd.service is not active"
    pid=$(unit_pid)
    [ "$pid" != 0 ] && [ "$(readlink /proc/"$pid"/exe)" = $KMODD ] || fail "MainPID $pid is not $KMODD"
    grep -q '^0::/system.slice/kmodd.service$' /proc/"$pid"/cgroup || fail "not in kmodd.service's cgroup"
}

t_sd_sandbox() {
    local pid st
    pid=$(unit_pid)
    st=$(grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/"$pid"/status)
    echo "$st"
    # CAP_SYS_MODULE is capability 16
    grep -Eq '^CapBnd:\s+0000000000010000$' <<<"$st" || fail "bounding set is not CAP_SYS_MODULE alone"
    grep -Eq '^CapEff:\s+0000000000010000$' <<<"$st" || fail "effective set is not CAP_SYS_MODULE"
    grep -Eq '^NoNewPrivs:\s+1$' <<<"$st" || fail "NoNewPrivs is not 1"
    grep -Eq '^Seccomp:\s+2$' <<<"$st" || fail "no seccomp filter"
    # ProtectSystem=strict: / is read-only in its mount namespace;
    # PrivateTmp: its /tmp is not ours
    grep -E '^[0-9]+ [0-9]+ [0-9:]+ / / ' /proc/"$pid"/mountinfo
    grep -Eq '^[0-9]+ [0-9]+ [0-9:]+ / / ro[, ]' /proc/"$pid"/mountinfo || fail "/ is not read-only for kmodd"
    [ "$(stat -Lc %i /proc/"$pid"/root/tmp)" != "$(stat -c %i /tmp)" ] || fail "kmodd sees the host's /tmp"
}

t_sd_load_unload() {
    run as_member kmodctl load msdos
    expect_status 0 || return 1
    [ "$out" = $'Inserted fat\nInserted msdos' ] || fail "expected 'Inserted fat', 'Inserted msdos'"
    [ "$(holders fat)" = "msdos," ] || fail "fat's holders: $(holders fat)"
    run as_member kmodctl unload fat
    expect_status 5 || return 1
    expect_out 'in use by msdos' || return 1
    run as_member kmodctl unload --dependencies msdos
    expect_status 0 || return 1
    expect_not_loaded msdos fat
}

t_sd_params_install() {
    run kmodctl load brd rd_nr=2
    expect_status 0 || return 1
    [ "$(cat /sys/module/brd/parameters/rd_nr)" = 2 ] || fail "rd_nr is not 2"
    run kmodctl unload brd
    expect_status 0 || return 1
    # install commands run inside the sandbox: modprobe from there works
    run kmodctl load bfs
    expect_status 0 || return 1
    expect_loaded bfs || return 1
    run kmodctl unload bfs
    expect_status 0 || return 1
    run kmodctl load qnx4
    expect_status 1 || return 1
    expect_not_loaded qnx4
}

t_sd_monitor_external() {
    local log=$work/sd-monitor.json
    start_monitor $log as_outsider || return 1
    run modprobe minix
    run rmmod minix
    wait_for 20 grep -q '"unloaded"' $log || fail "no unloaded event"
    sleep 1
    stop_monitor
    cat $log
    [ "$(count_events $log loaded minix external)" = 1 ] || fail "not exactly one 'loaded minix external'"
    [ "$(count_events $log unloaded minix external)" = 1 ] || fail "not exactly one 'unloaded minix external'"
}

t_sd_autoclean() {
    printf '[Daemon]\nAutoCleanInterval=2\n' > /etc/kmodd/kmodd.conf
    run systemctl restart kmodd.service
    expect_status 0 || return 1
    run as_member kmodctl load --autoclean loop
    expect_status 0 || return 1
    losetup --find $work/busy.img || return 1
    run as_member kmodctl load --autoclean efs
    expect_status 0 || return 1
    ls -l /run/kmodd
    run systemctl restart kmodd.service
    run autoclean_marks
    expect_out '^loop$' || return 1
    wait_for 30 not_loaded efs || fail "efs still loaded after 30 s"
    expect_loaded loop || return 1
    losetup -D
    wait_for 30 not_loaded loop || fail "loop still loaded 30 s after detaching"
}

t_sd_stop() {
    local pid cursor
    run as_member kmodctl status
    pid=$(unit_pid)
    cursor=$(journalctl -n0 --show-cursor | sed -n 's/^-- cursor: //p')
    run systemctl stop kmodd.service
    expect_status 0 || return 1
    [ ! -e /proc/"$pid" ] || fail "kmodd (pid $pid) still running"
    # the unit is garbage-collected once inactive (systemctl show forgets
    # ExecMainStatus): systemd's own words are in the journal
    run journalctl -u kmodd.service --after-cursor="$cursor" -o cat --no-pager
    expect_out '^kmodd.service: Deactivated successfully\.$' || return 1
    grep -E 'Main process exited|Failed with result|Killing process' <<<"$out" &&
        fail "kmodd did not exit cleanly"
    return 0
}

t_sd_configure() {
    local old
    # the kmodd group rule does not grant configure; a dry run needs nothing
    run as_member kmodctl block minix
    expect_status 3 || return 1
    run as_outsider kmodctl block --dry-run minix
    expect_status 0 || return 1
    expect_out 'install minix /bin/false' || return 1
    [ ! -e /etc/modprobe.d/kmodd.conf ] || fail "a dry run wrote kmodd.conf"
    # written from inside the sandbox (ProtectSystem=strict, ReadWritePaths=)
    run kmodctl block minix
    expect_status 0 || return 1
    cat /etc/modprobe.d/kmodd.conf
    grep -qx 'blacklist minix' /etc/modprobe.d/kmodd.conf || fail "no blacklist line"
    grep -qx 'install minix /bin/false' /etc/modprobe.d/kmodd.conf || fail "no install line"
    [ "$(stat -c %a /etc/modprobe.d/kmodd.conf)" = 644 ] || fail "kmodd.conf is not 0644"
    run modprobe minix
    [ "$rc" != 0 ] || fail "modprobe minix succeeded while blocked"
    expect_not_loaded minix || return 1
    run kmodctl unblock minix
    expect_status 0 || return 1
    [ ! -e /etc/modprobe.d/kmodd.conf ] || fail "kmodd.conf left behind"
    # systemd-modules-load reads kmodd's file
    run kmodctl enable msdos
    expect_status 0 || return 1
    grep -qx msdos /etc/modules-load.d/kmodd.conf || fail "msdos is not in modules-load.d"
    run /lib/systemd/systemd-modules-load
    expect_loaded msdos || return 1
    run kmodctl disable msdos
    expect_status 0 || return 1
    [ ! -e /etc/modules-load.d/kmodd.conf ] || fail "modules-load.d/kmodd.conf left behind"
    run kmodctl unload --dependencies msdos
    # /run/modprobe.d exists from boot on (kmodd's tmpfiles.d, which this
    # guest does not run); the unit binds it writable when it starts
    run systemd-tmpfiles --create kmodd.conf
    [ -d /run/modprobe.d ] || fail "systemd-tmpfiles did not create /run/modprobe.d"
    run systemctl stop kmodd.service
    # --now: a parameter the kernel lets change (overlay's redirect_dir, 0644)
    # is written; a read-only one (brd's rd_nr, 0444) is refused, naming it
    old=$(cat /sys/module/overlay/parameters/redirect_dir)
    run kmodctl set-parameters --now --runtime overlay redirect_dir=N
    expect_status 0 || return 1
    [ "$(cat /sys/module/overlay/parameters/redirect_dir)" = N ] || fail "redirect_dir is not N"
    grep -qx 'options overlay redirect_dir=N' /run/modprobe.d/kmodd.runtime.conf ||
        fail "no options line in /run/modprobe.d/kmodd.runtime.conf"
    run kmodctl set-parameters --now overlay "redirect_dir=$old"
    expect_status 0 || return 1
    run kmodctl set-parameters --runtime overlay
    run kmodctl set-parameters overlay
    run kmodctl load brd
    run kmodctl set-parameters --now brd rd_nr=3
    expect_status 2 || return 1
    expect_out rd_nr || return 1
    [ ! -e /etc/modprobe.d/kmodd.conf ] || fail "a refused --now wrote kmodd.conf"
    run kmodctl unload brd
}

t_sd_kill9() {
    local old new
    run as_member kmodctl status
    old=$(unit_pid)
    run systemctl kill -s KILL kmodd.service
    wait_for 20 sh -c '[ "$(systemctl is-active kmodd.service)" != active ]' || fail "still active"
    systemctl show -p Result -p ExecMainStatus kmodd.service
    run as_member kmodctl load msdos
    expect_status 0 || return 1
    new=$(unit_pid)
    echo "MainPID $old, now $new"
    [ "$new" != 0 ] && [ "$new" != "$old" ] || fail "kmodd.service was not reactivated"
    run as_member kmodctl unload --dependencies msdos
    expect_status 0
}

# ---- a PCI network card (run-suite.sh adds -device e1000 to the systemd guest) ----
# the card's PCI address, e.g. 0000:00:04.0
e1000_card() {
    local d
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x100e ] && { basename "$d"; return 0; }
    done
    return 1
}
bound_to() { [ "$(basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)")" = "$2" ]; }
unbound() { [ -e "/sys/bus/pci/devices/$1" ] && [ ! -e "/sys/bus/pci/devices/$1/driver" ]; }
present() { [ -e "/sys/bus/pci/devices/$1" ]; }

t_sd_e1000_autoclean_kept() {
    local card
    card=$(e1000_card) || fail "no e1000 card: is -device e1000 in the guest's QEMU arguments?" || return 1
    echo "card $card"
    printf '[Daemon]\nAutoCleanInterval=2\n' > /etc/kmodd/kmodd.conf
    run systemctl restart kmodd.service
    # udev's coldplug at boot ran before setup() emptied 80-drivers.rules
    if loaded e1000; then run rmmod e1000; fi
    unbound "$card" || fail "the card has a driver" || return 1
    # what a udev rule does for the card
    run as_member kmodctl load --autoclean "$(cat /sys/bus/pci/devices/$card/modalias)"
    expect_status 0 || return 1
    expect_out '^Inserted e1000$' || return 1
    wait_for 10 bound_to "$card" e1000 || fail "e1000 did not bind the card" || return 1
    sleep 10.5   # five passes of a 2 s interval
    expect_loaded e1000 || return 1
    bound_to "$card" e1000 || fail "the card lost its driver"
    run autoclean_marks
    expect_out '^e1000$'
}

t_sd_e1000_unload_refused() {
    local card
    card=$(e1000_card) || return 1
    loaded e1000 || fail "e1000 is not loaded" || return 1
    run as_member kmodctl unload e1000
    expect_status 5 "in use" || return 1
    expect_out "e1000 is in use: it drives pci $card" || return 1
    expect_loaded e1000 || return 1
    bound_to "$card" e1000 || fail "the card lost its driver" || return 1
    run as_member kmodctl unload --dry-run --unbind e1000
    expect_status 0 || return 1
    expect_out "^Would unbind pci $card" || return 1
    expect_out '^Would remove e1000$' || return 1
    bound_to "$card" e1000 || fail "the dry run unbound the card"
}

t_sd_e1000_reload() {
    local card
    card=$(e1000_card) || return 1
    loaded e1000 || fail "e1000 is not loaded" || return 1
    bound_to "$card" e1000 || fail "the card has no driver before the reload" || return 1
    # a member of group kmodd: the rule grants reload without a password
    run as_member kmodctl reload e1000
    expect_status 0 || return 1
    expect_out '^Removed e1000$' || return 1
    expect_out '^Inserted e1000$' || return 1
    # the kernel binds it again when e1000's driver registers
    wait_for 10 bound_to "$card" e1000 || fail "the card is not bound to e1000 again" || return 1
    run readlink "/sys/bus/pci/devices/$card/driver"
    expect_out '/e1000$' || return 1
    # the new load keeps the AutoClean mark of the load --autoclean
    run autoclean_marks
    expect_out '^e1000$'
}

t_sd_e1000_unplug() {
    local card t0 secs
    card=$(e1000_card) || return 1
    loaded e1000 || fail "e1000 is not loaded" || return 1
    t0=$EPOCHREALTIME
    echo "\$ echo 1 > /sys/bus/pci/devices/$card/remove"
    echo 1 > "/sys/bus/pci/devices/$card/remove" || return 1
    wait_for 30 not_loaded e1000 || fail "e1000 still loaded 30 s after the unplug" || return 1
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    echo "e1000 gone ${secs}s after the unplug"
    # two intervals of 2 s, and a second for a loaded machine
    awk -v s="$secs" 'BEGIN { exit !(s <= 5) }' || fail "gone after ${secs}s, not within two intervals" || return 1
    echo "\$ echo 1 > /sys/bus/pci/rescan"
    echo 1 > /sys/bus/pci/rescan || return 1
    wait_for 10 present "$card" || fail "the card did not come back" || return 1
    unbound "$card" || fail "the card came back with a driver"
}

t_sd_e1000_unbind() {
    local card
    card=$(e1000_card) || fail "no e1000 card" || return 1
    run as_member kmodctl load e1000
    expect_status 0 || return 1
    wait_for 10 bound_to "$card" e1000 || fail "e1000 did not bind the card" || return 1
    run as_member kmodctl unload --unbind e1000
    expect_status 0 || return 1
    expect_out '^Removed e1000$' || return 1
    expect_not_loaded e1000 || return 1
    unbound "$card" || fail "the card is gone or still has a driver"
}

# Devices' entry of the card, as "DRIVER|CANDIDATES|BLACKLISTED" (comma-separated)
card_entry() {
    kmodctl devices --json | /usr/bin/python3 -c '
import json, sys
card = sys.argv[1]
for d in json.load(sys.stdin)["devices"]:
    if d["syspath"].endswith("/" + card) and d["subsystem"] == "pci":
        print("%s|%s|%s" % (d["driver"] or "-", ",".join(d["candidates"]),
                            ",".join(d["blacklisted"])))
' "$1"
}

t_sd_e1000_devices() {
    local card entry
    card=$(e1000_card) || fail "no e1000 card" || return 1
    run as_member kmodctl load e1000
    expect_status 0 || return 1
    wait_for 10 bound_to "$card" e1000 || fail "e1000 did not bind the card" || return 1
    entry=$(card_entry "$card")
    echo "Devices: $card $entry"
    case $entry in
        e1000\|*e1000*\|) ;;
        *) fail "the card is not listed bound to e1000 with candidate e1000 and nothing blacklisted: $entry"; return 1 ;;
    esac
    run kmodctl devices
    expect_out "^$card +pci +.*e1000" || return 1
    # a blacklist line counts at once, and only while it is there
    echo 'blacklist e1000' > /etc/modprobe.d/kmodd-test-devices.conf
    entry=$(card_entry "$card")
    rm -f /etc/modprobe.d/kmodd-test-devices.conf
    echo "with blacklist e1000: $entry"
    case $entry in
        e1000\|*e1000*\|e1000) ;;
        *) fail "e1000 is not reported blacklisted: $entry"; return 1 ;;
    esac
    entry=$(card_entry "$card")
    [ "${entry##*|}" = "" ] || fail "still blacklisted after the line went: $entry"
}

# ---- hotplug through udev, stock rules (README "From a udev rule") ----------------
# 79-kmodd-autoload.rules as installed, the selection rule README.md shows,
# and udev's own 80-drivers.rules back in force (setup() empties it)
readme=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/README.md
selection_rule=
install_selection() {
    local block
    block=$(awk '/^### From a udev rule/ { s = 1; next }
                 s && /^```/ { if (b) exit; b = 1; next }
                 b { print }' "$readme")
    selection_rule=$(sed -n '1s|^# \(/etc/udev/rules\.d/[^ ]*\.rules\)$|\1|p' <<<"$block")
    [ -n "$selection_rule" ] || fail "no selection rule under 'From a udev rule' in $readme" || return 1
    printf '%s\n' "$block" > "$selection_rule"
    echo "$selection_rule:"
    cat "$selection_rule"
    [ -f /lib/udev/rules.d/79-kmodd-autoload.rules ] || fail "79-kmodd-autoload.rules is not installed" || return 1
    rm -f /etc/udev/rules.d/80-drivers.rules
    grep -q '^ENV{MODALIAS}=="?\*", RUN{builtin}+="kmod load"$' /lib/udev/rules.d/80-drivers.rules ||
        fail "the stock 80-drivers.rules has no kmod load" || return 1
    printf '[Daemon]\nAutoCleanInterval=2\n' > /etc/kmodd/kmodd.conf
    run systemctl restart kmodd.service
    udevadm control --reload
}
restore_udev() {
    rm -f "$selection_rule"
    : > /etc/udev/rules.d/80-drivers.rules
    udevadm control --reload
}
marked() { autoclean_marks | grep -qx "$1"; }
card_marked() { loaded e1000 && bound_to "$1" e1000 && marked e1000; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
# min/median/max of the numbers on stdin
spread() { sort -n | awk '{ v[NR] = $1 } END { printf "min %.1f s, median %.1f s, max %.1f s", v[1], v[int((NR + 1) / 2)], v[NR] }'; }

hotplug_e1000_cycles() {
    local card=$1 i t0 gone back gones=() backs=()
    if loaded e1000; then run kmodctl unload --unbind e1000; fi
    # plug 0: the card, driverless, goes and comes back
    echo 1 > "/sys/bus/pci/devices/$card/remove" || return 1
    wait_for 10 sh -c "[ ! -e /sys/bus/pci/devices/$card ]" || fail "the card did not go" || return 1
    echo 1 > /sys/bus/pci/rescan
    wait_for 30 card_marked "$card" || fail "plug 0: e1000 not loaded, bound and marked" || return 1
    for i in $(seq 1 20); do
        echo 1 > "/sys/bus/pci/devices/$card/remove" || return 1
        t0=$EPOCHREALTIME   # the write returns once the card is gone
        wait_for 30 not_loaded e1000 || fail "cycle $i: e1000 still loaded 30 s after the unplug" || return 1
        gone=$(since "$t0")
        t0=$EPOCHREALTIME
        echo 1 > /sys/bus/pci/rescan
        wait_for 30 card_marked "$card" ||
            fail "cycle $i: e1000 not loaded, bound and marked 30 s after the plug" || return 1
        back=$(since "$t0")
        echo "cycle $i: gone ${gone}s after the unplug; loaded, bound and marked ${back}s after the plug"
        # two intervals of 2 s, and 1.5 s for the removal and a loaded
        # machine (a third pass would be 6 s)
        awk -v s="$gone" 'BEGIN { exit !(s <= 5.5) }' ||
            fail "cycle $i: gone after ${gone}s, not within two intervals" || return 1
        gones+=("$gone")
        backs+=("$back")
    done
    echo "hotplug e1000: 20 cycles, no miss (AutoCleanInterval=2); gone after the unplug:" \
        "$(printf '%s\n' "${gones[@]}" | spread); back after the plug: $(printf '%s\n' "${backs[@]}" | spread)" |
        tee "$results/hotplug-e1000.txt"
}

t_sd_hotplug_e1000() {
    local card rc
    card=$(e1000_card) || fail "no e1000 card" || return 1
    install_selection || return 1
    hotplug_e1000_cycles "$card"
    rc=$?
    restore_udev
    return $rc
}

# ---- a USB serial adapter on qemu-xhci (run-suite.sh: -device usb-serial, FTDI) ----
ftdi_device() {
    local d
    for d in /sys/bus/usb/devices/*; do
        [ "$(cat "$d/idVendor" 2>/dev/null)" = 0403 ] && { basename "$d"; return 0; }
    done
    return 1
}
serial_marked() {
    loaded ftdi_sio && loaded usbserial &&
        [ "$(basename "$(readlink "/sys/bus/usb/devices/$1:1.0/driver" 2>/dev/null)")" = ftdi_sio ] &&
        [ "$(autoclean_marks | grep -cx -e ftdi_sio -e usbserial)" = 2 ]
}
serial_gone() { not_loaded ftdi_sio && not_loaded usbserial; }

hotplug_usb_serial() {
    local xhci dev t0 secs i
    # the controller's driver, as udev's coldplug would load it at boot
    # (not chosen by the selection rule: unmarked)
    for xhci in /sys/bus/pci/devices/*; do
        [ "$(cat "$xhci/class")" = 0x0c0330 ] && break
    done
    [ "$(cat "$xhci/class")" = 0x0c0330 ] || fail "no xHCI controller: is -device qemu-xhci in the guest's QEMU arguments?" || return 1
    run udevadm trigger --settle --action=add "$xhci"
    wait_for 30 ftdi_device > /dev/null || fail "no FTDI device on the USB bus" || return 1
    dev=$(ftdi_device)
    echo "xhci $(basename "$xhci"), usb-serial $dev"
    wait_for 30 serial_marked "$dev" || fail "ftdi_sio, usbserial not loaded, bound and marked" || return 1
    marked xhci_pci && fail "xhci_pci is marked" && return 1
    marked usbcore && fail "usbcore is marked" && return 1
    sleep 6.5   # three passes of a 2 s interval
    serial_marked "$dev" || fail "the adapter lost its driver while plugged in" || return 1
    for i in 1 2; do
        # deauthorizing removes the device's interfaces: the kernel's unplug
        # of the driver's device, with remove uevents; authorizing adds them
        echo "\$ echo 0 > /sys/bus/usb/devices/$dev/authorized"
        echo 0 > "/sys/bus/usb/devices/$dev/authorized" || return 1
        t0=$EPOCHREALTIME
        wait_for 30 serial_gone || fail "ftdi_sio or usbserial still loaded 30 s after the unplug" || return 1
        secs=$(since "$t0")
        echo "ftdi_sio and usbserial gone ${secs}s after the unplug"
        awk -v s="$secs" 'BEGIN { exit !(s <= 5.5) }' || fail "gone after ${secs}s, not within two intervals" || return 1
        [ "$i" = 2 ] && break
        t0=$EPOCHREALTIME
        echo "\$ echo 1 > /sys/bus/usb/devices/$dev/authorized"
        echo 1 > "/sys/bus/usb/devices/$dev/authorized" || return 1
        wait_for 30 serial_marked "$dev" || fail "not loaded, bound and marked after the plug" || return 1
        echo "ftdi_sio and usbserial loaded, bound and marked $(since "$t0")s after the plug"
    done
}

t_sd_hotplug_usb_serial() {
    local rc
    install_selection || return 1
    hotplug_usb_serial
    rc=$?
    restore_udev
    return $rc
}
