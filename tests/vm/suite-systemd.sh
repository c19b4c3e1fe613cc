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
