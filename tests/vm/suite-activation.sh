# suite-activation.sh: the cases of tests/vm/suite.sh that run in the part
# "activation" (kmodd started by D-Bus activation through dbus-daemon's
# launch helper, busybox init) and a few the part "systemd" shares. Sourced
# by suite.sh, whose helpers (run, check, expect_*, as_member, ...) they use.
# shellcheck shell=bash

t_activation() {
    local pid exe
    [ -z "$(kmodd_pid)" ] || fail "kmodd runs before anyone called it"
    grep -q "^Exec=$KMODD\$" /usr/share/dbus-1/system-services/org.freedesktop.KernelModules1.service ||
        fail "activation file does not start $KMODD"
    run as_outsider kmodctl list
    expect_status 0 || return 1
    expect_out '^virtio_pci ' || return 1
    pid=$(kmodd_pid)
    [ -n "$pid" ] || fail "no kmodd process after the call"
    exe=$(readlink /proc/"$pid"/exe)
    echo "kmodd pid $pid, exe $exe, uid $(stat -c %u /proc/"$pid"), parent $(ps -o comm= -p "$(ps -o ppid= -p "$pid")")"
    [ "$exe" = $KMODD ] || fail "kmodd's exe is $exe"
    [ "$(stat -c %u /proc/"$pid")" = 0 ] || fail "kmodd does not run as root"
}

t_outsider_info() {
    run as_outsider kmodctl info msdos
    expect_status 0 || return 1
    expect_out '^depends: +fat$' && expect_out '^loaded: +no$'
}

t_outsider_load() {
    run as_outsider kmodctl load msdos
    expect_status 3 "not authorized" || return 1
    expect_out "cannot load msdos" || return 1
    expect_not_loaded msdos fat
}

t_outsider_unload() {
    modprobe bfs || return 1
    run as_outsider kmodctl unload bfs
    expect_status 3 "not authorized" || return 1
    expect_loaded bfs || return 1
    run as_outsider kmodctl autoclean --all
    expect_status 3 "not authorized" || return 1
    rmmod bfs
}

t_member_load() {
    run as_member kmodctl load msdos
    expect_status 0 || return 1
    [ "$out" = $'Inserted fat\nInserted msdos' ] || fail "expected 'Inserted fat', 'Inserted msdos'"
    expect_loaded fat msdos || return 1
    [ "$(holders fat)" = "msdos," ] || fail "fat's holders in /proc/modules: $(holders fat)"
    [ -e /sys/module/fat/holders/msdos ] || fail "no /sys/module/fat/holders/msdos"
}

t_member_unload_held() {
    expect_loaded fat msdos || return 1
    run as_member kmodctl unload fat
    expect_status 5 "in use" || return 1
    expect_out 'in use by msdos' || return 1
    expect_loaded fat msdos
}

t_member_unload_deps() {
    run as_member kmodctl unload --dependencies msdos
    expect_status 0 || return 1
    [ "$out" = $'Removed msdos\nRemoved fat' ] || fail "expected 'Removed msdos', 'Removed fat'"
    expect_not_loaded msdos fat
}

mnt=$work/mnt
t_vfat_mounted() {
    local dev
    expect_not_loaded vfat || return 1
    dev=$(losetup --find --show $work/vfat.img) || return 1
    mkdir -p $mnt
    mount -t vfat "$dev" $mnt || return 1   # the kernel loads vfat (fs-vfat): external
    echo hello > $mnt/hello.txt
    [ "$(usecount vfat)" = 1 ] || fail "vfat's use count: $(usecount vfat)"
    run as_member kmodctl unload vfat
    expect_status 5 "in use" || return 1
    expect_out 'vfat is in use \(use count 1\)' || return 1
    expect_loaded vfat
}

t_vfat_unmounted() {
    local dev
    dev=$(losetup --noheadings --output NAME --associated $work/vfat.img) || return 1
    umount $mnt || return 1
    losetup -d "$dev" || return 1
    run as_member kmodctl unload --dependencies vfat
    expect_status 0 || return 1
    expect_out '^Removed vfat$' || return 1
    expect_not_loaded vfat fat
}

t_names() {
    run kmodctl load "/lib/modules/$KMODD_VM_REL/kernel/fs/fat/msdos.ko"
    expect_status 2 "a path is not a name" || return 1
    run kmodctl load msdos.evil
    expect_status 4 "not an alias of msdos" || return 1
    run kmodctl load --dry-run fs-msdos
    expect_status 0 || return 1
    [ "$out" = $'Would insert fat\nWould insert msdos' ] || fail "fs-msdos does not resolve to msdos"
    expect_not_loaded msdos fat
}

t_dry_run_outsider() {
    run as_outsider kmodctl load --dry-run msdos
    expect_status 0 || return 1
    [ "$out" = $'Would insert fat\nWould insert msdos' ] || fail "expected 'Would insert fat', 'Would insert msdos'"
    run as_outsider kmodctl unload --dry-run overlay
    expect_status 5 "in use" || return 1
    expect_not_loaded msdos fat
}

t_builtin() {
    run kmodctl unload unix
    expect_status 1 "Builtin" || return 1
    expect_out 'built into the kernel' || return 1
    run kmodctl load unix
    expect_status 0 || return 1
    [ -z "$out" ] || fail "loading a builtin module inserted something"
    run kmodctl info unix
    expect_out '^builtin: +yes$'
}

t_shared_dependency() {
    run as_member kmodctl load msdos
    expect_status 0 || return 1
    run as_member kmodctl load vfat
    expect_status 0 || return 1
    [ "$out" = "Inserted vfat" ] || fail "expected 'Inserted vfat' alone"
    run as_member kmodctl unload --dependencies msdos
    expect_status 0 || return 1
    [ "$out" = "Removed msdos" ] || fail "fat, still used by vfat, was touched"
    expect_loaded fat vfat || return 1
    run as_member kmodctl unload --dependencies vfat
    expect_status 0 || return 1
    expect_not_loaded vfat fat
}

t_params_root() {
    expect_not_loaded brd || return 1
    run kmodctl load brd rd_nr=3
    expect_status 0 || return 1
    expect_out '^Inserted brd$' || return 1
    echo "/sys/module/brd/parameters/rd_nr: $(cat /sys/module/brd/parameters/rd_nr)"
    [ "$(cat /sys/module/brd/parameters/rd_nr)" = 3 ] || fail "rd_nr is not 3"
    [ -b /dev/ram2 ] && [ ! -e /dev/ram3 ] || fail "expected /dev/ram0 to /dev/ram2: $(ls /dev/ram*)"
    run kmodctl unload brd
    expect_status 0
}

t_params_member() {
    run as_member kmodctl load brd rd_nr=3
    expect_status 3 "load-with-parameters needs an administrator" || return 1
    expect_not_loaded brd || return 1
    # without parameters the group may
    run as_member kmodctl load brd
    expect_status 0 || return 1
    [ "$(cat /sys/module/brd/parameters/rd_nr)" = 16 ] || fail "rd_nr is not the default 16"
    run as_member kmodctl unload brd
    expect_status 0
}

t_params_undeclared() {
    run kmodctl load brd no_such_parameter=1
    expect_status 2 "InvalidParameters" || return 1
    expect_not_loaded brd
}

t_monitor_external() {
    local log=$work/monitor-external.json
    expect_not_loaded minix || return 1
    start_monitor $log as_outsider || return 1
    run modprobe minix
    wait_for 20 grep -q '"minix"' $log || fail "no event for minix"
    run rmmod minix
    wait_for 20 grep -q '"unloaded"' $log || fail "no unloaded event"
    sleep 2  # a duplicate would come now
    stop_monitor
    echo "--- monitor output (exit $monrc):"; cat $log
    [ "$monrc" = 0 ] || fail "kmodctl monitor exited $monrc on SIGTERM"
    [ "$(count_events $log loaded minix external)" = 1 ] || fail "not exactly one 'loaded minix external'"
    [ "$(count_events $log unloaded minix external)" = 1 ] || fail "not exactly one 'unloaded minix external'"
    [ "$(wc -l < $log)" = 2 ] || fail "other events than those two"
    grep -q '"uid" *: *null' $log || fail "uid is not null for external events"
}

t_monitor_request() {
    local log=$work/monitor-request.json
    start_monitor $log || return 1
    run as_member kmodctl load efs
    expect_status 0 || return 1
    run as_member kmodctl unload efs
    expect_status 0 || return 1
    wait_for 20 grep -q '"unloaded"' $log || fail "no unloaded event"
    sleep 1
    stop_monitor
    echo "--- monitor output:"; cat $log
    [ "$(count_events $log loaded efs request)" = 1 ] || fail "not exactly one 'loaded efs request'"
    [ "$(count_events $log unloaded efs request)" = 1 ] || fail "not exactly one 'unloaded efs request'"
    [ "$(grep -c "\"uid\" *: *$MEMBER_UID" $log)" = 2 ] || fail "uid $MEMBER_UID not in both events"
}

t_blacklisted() {
    run kmodctl load ufs
    expect_status 1 "Blacklisted" || return 1
    expect_out 'blacklist' || return 1
    run kmodctl load fs-ufs
    expect_status 1 "Blacklisted, through the alias" || return 1
    run as_member kmodctl load ufs
    expect_status 1 "Blacklisted" || return 1
    expect_not_loaded ufs
}

t_install_false() {
    run kmodctl info qnx4
    expect_out '^install command: +yes$' || return 1
    run kmodctl load qnx4
    expect_status 1 "the install command failed" || return 1
    expect_not_loaded qnx4
}

t_modprobe_d_live() {
    local conf=/etc/modprobe.d/kmodd-vm-live.conf
    # shellcheck disable=SC2064 # $conf is local: expand it now
    trap "rm -f $conf" EXIT   # this case runs in a subshell
    # written while kmodd runs: the next request must see it, as modprobe would
    printf '%s\n' 'blacklist efs' 'blacklist fat' 'options brd rd_size=1024' \
        'softdep minix pre: bfs' > $conf
    run kmodctl load efs
    expect_status 1 "Blacklisted" || return 1
    run kmodctl load msdos
    expect_status 1 "needs fat, which is blacklisted" || return 1
    expect_out 'fat' || return 1
    expect_not_loaded msdos fat efs || return 1
    run kmodctl load brd rd_nr=2
    expect_status 0 || return 1
    echo "rd_nr $(cat /sys/module/brd/parameters/rd_nr), rd_size $(cat /sys/module/brd/parameters/rd_size)"
    [ "$(cat /sys/module/brd/parameters/rd_size)" = 1024 ] || fail "options line not applied"
    [ "$(cat /sys/module/brd/parameters/rd_nr)" = 2 ] || fail "caller's parameter not applied"
    run kmodctl unload brd
    run kmodctl load minix
    expect_status 0 || return 1
    [ "$out" = $'Inserted bfs\nInserted minix' ] || fail "softdep pre: bfs not loaded first"
    run kmodctl unload minix
    run kmodctl unload bfs
    expect_not_loaded minix bfs
}

# A module without an exit function can never be unloaded: /proc/modules
# says "[permanent]," in its holders column and delete_module() answers
# EBUSY.  vrf is one in Debian's 6.1.
t_permanent() {
    local rc_dry
    run kmodctl load vrf
    expect_status 0 || return 1
    grep '^vrf ' /proc/modules
    grep -q '^vrf [0-9]* [0-9]* \[permanent\],' /proc/modules || fail "vrf is not [permanent] here"
    echo "\$ kmodctl list --json   (vrf's entry)"
    kmodctl list --json | /usr/bin/python3 -c '
import json, sys
m = {m["name"]: m for m in json.load(sys.stdin)["modules"]}["vrf"]
print(m)
sys.exit(m["refcount"] != -1)
' || fail "List: refcount of vrf is not -1 (\"can never be unloaded\")"
    run kmodctl unload --dry-run vrf
    rc_dry=$rc
    run kmodctl unload vrf
    [ "$rc_dry" != 0 ] || fail "unload --dry-run vrf says it would remove vrf"
    [ $rc != 0 ] || fail "unload vrf succeeded?"
    grep -qi 'try again' <<<"$out" && fail "the error says 'try again': vrf can never be unloaded"
    expect_out 'permanent|never be unloaded|cannot be unloaded|no exit' || return 1
    expect_loaded vrf
}

t_raw_interactive_required() {
    run as_outsider gdbus call "${BUS[@]}" --method $IFACE.Load msdos '{}'
    [ $rc != 0 ] || fail "the call succeeded"
    expect_out 'org\.freedesktop\.DBus\.Error\.InteractiveAuthorizationRequired' || return 1
    run as_member gdbus call "${BUS[@]}" --method $IFACE.Load brd "{'parameters': <'rd_nr=2'>}"
    [ $rc != 0 ] || fail "the call succeeded"
    expect_out 'org\.freedesktop\.DBus\.Error\.InteractiveAuthorizationRequired' || return 1
    # with the flag, polkit would ask an agent; there is none
    run as_outsider gdbus call --interactive "${BUS[@]}" --method $IFACE.Load msdos '{}'
    [ $rc != 0 ] || fail "the call succeeded"
    expect_out 'org\.freedesktop\.KernelModules1\.Error\.NotAuthorized' || return 1
    expect_not_loaded msdos brd
}

t_udev_rule() {
    local t0 t1 settle t2
    expect_not_loaded pcspkr || return 1
    t0=$EPOCHREALTIME
    run udevadm trigger --action=add /sys/devices/platform/pcspkr
    run udevadm settle --timeout=30
    t1=$EPOCHREALTIME
    settle=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    echo "trigger + settle: ${settle}s"
    wait_for 30 loaded pcspkr || fail "pcspkr was not loaded"
    t2=$EPOCHREALTIME
    echo "pcspkr in after $(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')s"
    echo "udev: trigger+settle ${settle}s" > "$results/udev-timing"
    out=$(kmodctl list --json)
    /usr/bin/python3 -c '
import json, sys
m = {m["name"]: m for m in json.loads(sys.argv[1])["modules"]}["pcspkr"]
print("list --json:", m)
assert m["autoclean"] is True, m
assert m["requested-by"] == 0, m
' "$out" || fail "pcspkr not marked for AutoClean, or not requested by uid 0"
    # kmodctl --no-block returns once the request is queued: udev never
    # waits for the module (generous bound: a kmodctl start costs ~0.5 s)
    awk -v s="$settle" 'BEGIN { exit !(s < 5) }' || fail "udev took ${settle}s"
    # pcspkr drives the platform device pcspkr: in use, though its use count is 0
    run kmodctl unload pcspkr
    expect_status 5 "in use" || return 1
    expect_out 'it drives platform pcspkr' || return 1
    run kmodctl unload --unbind pcspkr
    expect_status 0
}

t_udev_rule_activation() {
    expect_not_loaded pcspkr || return 1
    stop_kmodd || return 1
    run udevadm trigger --action=add /sys/devices/platform/pcspkr
    run udevadm settle --timeout=60
    wait_for 30 loaded pcspkr || fail "pcspkr was not loaded"
    [ -n "$(kmodd_pid)" ] || fail "kmodd is not running"
    run kmodctl unload --unbind pcspkr
    expect_status 0
}

t_autoclean_restart() {
    printf '[Daemon]\nAutoCleanInterval=2\n' > /etc/kmodd/kmodd.conf
    stop_kmodd || return 1
    run kmodctl status --json
    expect_status 0 || return 1
    expect_out '"autoclean-interval" *: *2[,}]'
}

t_autoclean_unused() {
    local log=$work/monitor-autoclean.json t0 t1 secs
    expect_not_loaded msdos fat || return 1
    start_monitor $log || return 1
    t0=$EPOCHREALTIME
    run as_member kmodctl load --autoclean msdos
    expect_status 0 || return 1
    run autoclean_marks
    [ "$(sort <<<"$out" | tr '\n' ' ')" = "fat msdos " ] || fail "marks: $out"
    wait_for 30 not_loaded fat || fail "msdos and fat still loaded after 30 s"
    t1=$EPOCHREALTIME
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    echo "gone after ${secs}s"
    sleep 0.5
    stop_monitor
    cat $log
    expect_not_loaded msdos fat || return 1
    [ "$(count_events $log unloaded msdos autoclean)" = 1 ] || fail "no 'unloaded msdos autoclean'"
    [ "$(count_events $log unloaded fat autoclean)" = 1 ] || fail "no 'unloaded fat autoclean'"
    # a freshly loaded module survives one full interval (2 s)
    awk -v s="$secs" 'BEGIN { exit !(s >= 2) }' || fail "removed after ${secs}s, before a full interval"
}

t_autoclean_busy() {
    local dev
    if loaded loop; then
        run kmodctl unload loop
        expect_status 0 || return 1
    fi
    run as_member kmodctl load --autoclean loop
    expect_status 0 || return 1
    dev=$(losetup --find --show $work/busy.img) || return 1
    echo "$dev attached; loop's use count $(usecount loop)"
    [ "$(usecount loop)" -ge 1 ] || fail "loop is not in use"
    sleep 7   # three passes
    expect_loaded loop || return 1
    run autoclean_marks
    expect_out '^loop$'
}

t_autoclean_marks_kept() {
    local old new
    old=$(kmodd_pid)
    stop_kmodd || return 1
    run autoclean_marks
    expect_out '^loop$' || return 1
    new=$(kmodd_pid)
    echo "kmodd pid $old, now $new"
    [ -n "$new" ] && [ "$new" != "$old" ] || fail "kmodd was not restarted"
    expect_loaded loop || return 1
    # the mark still works: loop goes once its device is detached
    losetup -D || return 1
    wait_for 30 not_loaded loop || fail "loop still loaded 30 s after detaching"
}

# the first module whose init fails in this VM: kvm_intel without VMX
# (TCG emulates SVM, not VMX), else kvm_amd without SVM
failing_module() {
    if ! grep -qw vmx /proc/cpuinfo; then echo kvm_intel
    elif ! grep -qw svm /proc/cpuinfo; then echo kvm_amd
    fi
}

t_autoclean_failed_load() {
    local m deps d marks
    m=$(failing_module)
    [ -n "$m" ] || fail "no module fails its init on this CPU (it has both VMX and SVM)"
    deps=$(modinfo -F depends $m | tr ',' ' ')   # kvm; kvm needs irqbypass
    deps="$deps $(modinfo -F depends kvm | tr ',' ' ')"
    expect_not_loaded $m kvm irqbypass || return 1
    run as_member kmodctl load --autoclean $m
    expect_status 1 "the kernel refuses $m" || return 1
    expect_out 'could not load' || return 1
    echo "inserted by this request and left in: $(for d in $deps; do loaded $d && echo -n "$d "; done)"
    run autoclean_marks
    marks=$out
    echo "\$ kmodctl list --json   (the dependencies' entries)"
    kmodctl list --json | /usr/bin/python3 -c '
import json, sys
mods = {m["name"]: m for m in json.load(sys.stdin)["modules"]}
for d in sys.argv[1:]:
    if d in mods:
        print(d, "requested-by", mods[d]["requested-by"], "autoclean", mods[d]["autoclean"])
' $deps
    local unmarked=
    for d in $deps; do
        loaded $d && ! grep -qx "$d" <<<"$marks" && unmarked="$unmarked $d"
    done
    if [ -n "$unmarked" ]; then
        rmmod kvm irqbypass 2>/dev/null
        fail "inserted by the failed 'load --autoclean $m' but not marked (they stay forever):$unmarked"
        return 1
    fi
    wait_for 20 not_loaded kvm || fail "kvm still loaded after 20 s"
}

has_mark() { autoclean_marks | grep -qx "$1"; }

t_autoclean_external_reload() {
    run as_member kmodctl load --autoclean bfs
    expect_status 0 || return 1
    run rmmod bfs
    # kmodd has seen bfs go (and dropped the mark) before it comes back
    wait_for 20 eval '! has_mark bfs' || fail "the mark of bfs stayed after rmmod"
    run modprobe bfs
    sleep 1
    run autoclean_marks
    grep -qx bfs <<<"$out" && fail "bfs, reloaded by modprobe, is marked"
    sleep 5   # two passes
    expect_loaded bfs || return 1
    rmmod bfs
}

# The same, but bfs is back before kmodd handles the "remove" uevent (a
# quick "rmmod bfs; modprobe bfs" does that now and then; SIGSTOP makes it
# certain): kmodd keeps the mark "because the module is already back"
# (on_module_changed), so the next passes remove what root loaded by hand.
t_autoclean_external_reload_fast() {
    local pid marked=0
    run as_member kmodctl load --autoclean bfs
    expect_status 0 || return 1
    pid=$(kmodd_pid)
    kill -STOP "$pid"
    run rmmod bfs
    run modprobe bfs
    kill -CONT "$pid"
    sleep 1
    run autoclean_marks
    grep -qx bfs <<<"$out" && { echo "FAIL: bfs, reloaded by modprobe, is still marked"; marked=1; }
    sleep 5   # two passes
    if ! loaded bfs; then
        fail "kmodd's AutoClean removed bfs, which root loaded by hand"
        return 1
    fi
    rmmod bfs
    [ $marked = 0 ]
}

t_autoclean_stale_mark() {
    run as_member kmodctl load --autoclean bfs
    expect_status 0 || return 1
    stop_kmodd || return 1
    # while kmodd is stopped, root removes bfs and loads it by hand
    run rmmod bfs
    run modprobe bfs
    echo "/sys/module/bfs inode (a new one for each load): $(stat -c %i /sys/module/bfs)"
    local marked=0
    run autoclean_marks   # reactivates kmodd
    grep -qx bfs <<<"$out" && { echo "FAIL: bfs, loaded by root with modprobe, is marked"; marked=1; }
    sleep 6   # three passes
    if ! loaded bfs; then
        fail "kmodd's AutoClean removed bfs, which root loaded by hand"
        return 1
    fi
    rmmod bfs
    [ $marked = 0 ]
}

t_sigterm() {
    local pid log=$work/strace.log spid
    run kmodctl status
    pid=$(kmodd_pid)
    [ -n "$pid" ] || fail "kmodd is not running"
    # strace reports the exit status of a process that is not our child
    strace -q -e trace=none -e signal=none -p "$pid" -o $log &
    spid=$!
    wait_for 20 grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/"$pid"/status || fail "strace did not attach"
    kill -TERM "$pid"
    wait_for 20 gone || fail "kmodd still running 20 s after SIGTERM"
    wait $spid
    echo "--- strace:"; cat $log
    grep -q '+++ exited with 0 +++' $log || fail "kmodd did not exit with status 0"
}

t_kill9() {
    local old new
    run kmodctl status
    old=$(kmodd_pid)
    [ -n "$old" ] || fail "kmodd is not running"
    kill -KILL "$old"
    wait_for 20 gone || fail "kmodd survived SIGKILL"
    run as_member kmodctl load msdos
    expect_status 0 || return 1
    new=$(kmodd_pid)
    echo "kmodd pid $old, now $new"
    [ -n "$new" ] && [ "$new" != "$old" ] || fail "kmodd was not reactivated"
    run as_member kmodctl unload --dependencies msdos
    expect_status 0 || return 1
    expect_not_loaded msdos fat
}

t_idle_timeout() {
    local pid log=$work/strace-idle.log spid t0 dev
    printf '[Daemon]\nAutoCleanInterval=2\nIdleTimeout=5\n' > /etc/kmodd/kmodd.conf
    stop_kmodd || return 1
    run kmodctl list
    pid=$(kmodd_pid)
    [ -n "$pid" ] || fail "kmodd was not activated"
    strace -q -e trace=none -e signal=none -p "$pid" -o $log &
    spid=$!
    wait_for 4 grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/"$pid"/status || fail "strace did not attach"
    t0=$EPOCHREALTIME
    wait_for 30 gone || fail "kmodd still running 30 s after the last call"
    wait $spid
    echo "kmodd exited $(elapsed "$t0") after strace attached:"; cat $log
    grep -q '+++ exited with 0 +++' $log || fail "kmodd did not exit with status 0 when idle"
    # a marked module (loop, kept busy) keeps it running, beyond IdleTimeout
    if loaded loop; then run kmodctl unload loop; fi
    run as_member kmodctl load --autoclean loop
    expect_status 0 || return 1
    dev=$(losetup --find --show $work/busy.img) || return 1
    pid=$(kmodd_pid)
    sleep 8
    [ "$(kmodd_pid)" = "$pid" ] || fail "kmodd exited although loop is marked"
    # once AutoClean removed it, nothing is marked: kmodd goes
    losetup -d "$dev"
    wait_for 20 not_loaded loop || fail "loop not removed by AutoClean"
    wait_for 20 gone || fail "kmodd still running once nothing was marked"
    printf '[Daemon]\nAutoCleanInterval=2\n' > /etc/kmodd/kmodd.conf
}

t_unit_verify() {
    run systemd-analyze verify --man=no $UNIT
    expect_status 0 || return 1
    [ -z "$out" ] || fail "systemd-analyze verify printed warnings"
}

t_unit_security() {
    local score
    run systemd-analyze security --offline=true --no-pager $UNIT
    score=$(sed -n 's/.*Overall exposure level for kmodd.service: \([0-9.]*\).*/\1/p' <<<"$out")
    echo "exposure: $score"
    [ -n "$score" ] || fail "no exposure level"
    echo "$score" > "$results/exposure"
    awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' || fail "exposure $score > 2.5"
}

# Irreversible until reboot: the last cases of the part.
t_modules_disabled_property() {
    run kmodctl load efs   # loaded before, to try an unload afterwards
    expect_status 0 || return 1
    run kmodctl status --json
    expect_out '"modules-disabled" *: *false' || return 1
    echo 1 > /proc/sys/kernel/modules_disabled
    echo "# echo 1 > /proc/sys/kernel/modules_disabled"
    # no request in between: the property must follow the sysctl by itself
    sleep 2
    run kmodctl status --json
    expect_out '"modules-disabled" *: *true' ||
        fail "ModulesDisabled still false 2 s after kernel.modules_disabled=1"
}

t_modules_disabled_refused() {
    [ "$(cat /proc/sys/kernel/modules_disabled)" = 1 ] || echo 1 > /proc/sys/kernel/modules_disabled
    run as_member kmodctl load minix
    expect_status 1 "ModulesDisabled" || return 1
    expect_out 'modules_disabled' || return 1
    run kmodctl unload efs
    expect_status 1 "ModulesDisabled" || return 1
    expect_out 'modules_disabled' || return 1
    expect_loaded efs || return 1
    expect_not_loaded minix || return 1
    run kmodctl status --json
    expect_out '"modules-disabled" *: *true'
}

# ============================= part "systemd" ======================================
# systemd is PID 1; bus activation goes through kmodd.service as installed.
