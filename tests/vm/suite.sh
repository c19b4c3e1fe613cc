#!/bin/bash
# suite.sh: kmodd's cases against Debian's real kernel, run inside the VM
# (tests/vm/run-suite.sh boots it; see README.md).  kmodd is installed from
# a meson DESTDIR (vm.py --install-tree) and started the way a real system
# starts it: by D-Bus activation, through dbus-daemon's launch helper
# (part "activation", busybox init) or through systemd and the installed,
# hardened kmodd.service (part "systemd", vm.py --systemd).  Cases that do
# not depend on how kmodd is started are spread so that both guests, which
# run side by side, take about as long.
#
#   suite.sh activation|systemd [CASE...]     (CASE: function names, t_...)
#
# Prints TAP, one line per case ("ok N - name # 1.23s"); the commands a
# failing case ran, with their output, follow it as "#   " lines.  Known
# kmodd bugs are "not ok N - name # TODO bug: ..." (see KNOWN_BUGS), so the
# suite stays green and the gap visible.  The TAP also goes to
# $KMODD_VM_RESULTS/PART.tap.  Exits 1 if a case failed.  KMODD_VM_VERBOSE=1
# shows every case's commands and output.
#
# Users: root; kmoddtest (uid 4242, in group kmodd: the polkit rule lets it
# load, unload and auto-clean, not load with parameters); outsider (uid
# 4243, in no group: polkit's defaults, i.e. auth_admin, as there is no
# session).  Modules used (none of them is loaded at boot): msdos and fat,
# vfat, loop, brd, minix, bfs, efs, ufs (blacklisted here), qnx4 (install
# /bin/false here), pcspkr (the udev case), vrf (permanent), kvm_intel (its
# init fails without VMX) and its dependencies; in part "systemd", e1000
# for the PCI card run-suite.sh adds (-device e1000).  Never unload virtio_pci or
# the other boot modules: the root filesystem goes with them.  The part
# "activation" ends with kernel.modules_disabled=1.
set -u
part=${1:?usage: suite.sh activation|systemd [CASE...]}
shift
only=("$@")
n=0 passed=0 failed=0 todo=0
results=${KMODD_VM_RESULTS:-/tmp}
tap=$results/$part.tap
: > "$tap"
work=/tmp/kmodd-vm-suite
mkdir -p $work
chmod 755 $work

OUTSIDER=outsider OUTSIDER_UID=4243
MEMBER_UID=${KMODD_TEST_UID:-4242}
KMODD=/usr/lib/kmodd/kmodd
UNIT=/lib/systemd/system/kmodd.service
BUS=(--system --dest org.freedesktop.KernelModules1 --object-path /org/freedesktop/KernelModules1)
IFACE=org.freedesktop.KernelModules1.Manager

# ---- TAP -------------------------------------------------------------------------
emit() { echo "$*"; echo "$*" >> "$tap"; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }'; }

# Cases that fail because of a kmodd bug: "function|reason" (reported in the
# suite's hand-over; remove the line once the bug is fixed: an unexpected
# pass fails the suite, as in meson).
KNOWN_BUGS=(
    # "t_case_function|bug: what is wrong"  (none known)
)
known_bug() {
    local e
    for e in "${KNOWN_BUGS[@]}"; do
        [ "${e%%|*}" = "$1" ] && { echo "${e#*|}"; return 0; }
    done
    return 1
}

# check NAME FUNCTION: one case; its output (commands and what they printed)
# is shown only when it fails
check() {
    local name=$1 fn=$2 out t0=$EPOCHREALTIME bug rc
    if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$fn"; then
        return 0
    fi
    n=$((n + 1))
    out=$("$fn" 2>&1)
    rc=$?
    [ $rc = 0 ] || out+=$'\n'$(state 2>&1)
    bug=$(known_bug "$fn")
    if [ $rc = 0 ]; then
        if [ -n "$bug" ]; then
            emit "ok $n - $name # TODO $bug (passes now: remove it from KNOWN_BUGS)"
            failed=$((failed + 1))
        else
            emit "ok $n - $name # $(elapsed "$t0")"
            passed=$((passed + 1))
            [ "${KMODD_VM_VERBOSE:-0}" = 1 ] && printf '%s\n' "$out" | sed 's/^/#   /' | tee -a "$tap"
        fi
    else
        if [ -n "$bug" ]; then
            emit "not ok $n - $name # TODO $bug"
            todo=$((todo + 1))
        else
            emit "not ok $n - $name # $(elapsed "$t0")"
            failed=$((failed + 1))
        fi
        printf '%s\n' "$out" | tail -n 60 | sed 's/^/#   /' | tee -a "$tap"
    fi
}

# ---- helpers -----------------------------------------------------------------------
fail() { echo "FAIL: $*"; return 1; }
# run CMD...: runs it, shows "$ CMD", its output and its status; sets $out, $rc
run() {
    echo "\$ $*"
    out=$("$@" 2>&1)
    rc=$?
    [ -n "$out" ] && printf '%s\n' "$out"
    echo "[exit $rc]"
}
as_member() { setpriv --reuid "$MEMBER_UID" --regid "$MEMBER_UID" --init-groups "$@"; }
as_outsider() { setpriv --reuid $OUTSIDER_UID --regid $OUTSIDER_UID --init-groups "$@"; }
loaded() { grep -q "^$1 " /proc/modules; }
usecount() { awk -v m="$1" '$1 == m { print $3 }' /proc/modules; }
holders() { awk -v m="$1" '$1 == m { print $4 }' /proc/modules; }
expect_status() { [ "$rc" = "$1" ] || fail "exit status $rc, expected $1${2:+ ($2)}"; }
expect_out() { grep -Eq -- "$1" <<<"$out" || fail "output does not match /$1/"; }
expect_loaded() { local m; for m; do loaded "$m" || fail "$m is not loaded"; done; }
expect_not_loaded() { local m; for m; do loaded "$m" && fail "$m is loaded"; done; return 0; }

# pids of processes whose comm is exactly $1 (no fork: builtins only)
pids_of() {
    local p c
    for p in /proc/[0-9]*; do
        read -r c 2>/dev/null < "$p/comm" && [ "$c" = "$1" ] && echo "${p#/proc/}"
    done
}
kmodd_pid() { pids_of kmodd | head -n1; }

# wait_for SECONDS CMD...: polls CMD every 0.1 s
wait_for() {
    local deadline=$(( ${EPOCHREALTIME/./} + $1 * 1000000 ))
    shift
    until "$@"; do
        [ "${EPOCHREALTIME/./}" -lt $deadline ] || return 1
        sleep 0.1
    done
}
gone() { [ -z "$(kmodd_pid)" ]; }
not_loaded() { ! loaded "$1"; }

# snapshot for a failing case
state() {
    echo "--- /proc/modules:"; cut -d' ' -f1-4 /proc/modules
    echo "--- kmodd: pid $(kmodd_pid)"
    echo "--- dmesg (last 10):"; dmesg | tail -n 10
    if [ "$part" = systemd ]; then
        echo "--- journal of kmodd.service (last 15):"
        journalctl -u kmodd.service -n 15 -o short-monotonic --no-pager
    fi
}

# modules kmodd marked for AutoClean, one name a line
autoclean_marks() {
    kmodctl list --autoclean --json |
        /usr/bin/python3 -c 'import json,sys; [print(m["name"]) for m in json.load(sys.stdin)["modules"]]'
}

# kmodctl monitor --json in the background: start_monitor LOG [as_outsider]
start_monitor() {
    local log=$1
    shift
    "$@" kmodctl monitor --json > "$log" 2> "$log.err" &
    monpid=$!
    wait_for 20 grep -q "^Monitoring" "$log.err" || { cat "$log.err"; fail "monitor did not start"; }
}
stop_monitor() {
    kill -TERM "$monpid"
    wait "$monpid"
    monrc=$?
}
# count_events LOG EVENT NAME REASON: how many lines say so
count_events() {
    /usr/bin/python3 - "$@" <<'EOF'
import json, sys
log, event, name, reason = sys.argv[1:5]
n = 0
for line in open(log):
    e = json.loads(line)
    if e["event"] == event and e["name"] == name and e["reason"] == reason:
        n += 1
print(n)
EOF
}

# stop kmodd with SIGTERM and wait until it is gone (the next call
# reactivates it): a restart when there is no systemd
stop_kmodd() {
    local pid
    pid=$(kmodd_pid)
    [ -n "$pid" ] && kill -TERM "$pid"
    wait_for 20 gone || fail "kmodd (pid $pid) still running 20 s after SIGTERM"
}

# ---- setup -------------------------------------------------------------------------
setup() {
    echo "$OUTSIDER:x:$OUTSIDER_UID:" >> /etc/group
    echo "$OUTSIDER:x:$OUTSIDER_UID:$OUTSIDER_UID:not in group kmodd:/tmp:/bin/sh" >> /etc/passwd
    echo "$OUTSIDER:*:19000:0:99999:7:::" >> /etc/shadow
    # modprobe.d of this machine: read by kmodd when it starts
    cat > /etc/modprobe.d/kmodd-vm.conf <<'EOF'
# written by kmodd's VM suite (tests/vm/suite.sh)
blacklist ufs
install qnx4 /bin/false
EOF
    # udev must not load drivers itself (80-drivers.rules: "kmod load" for
    # every add event with a MODALIAS): the rule under test does, through
    # kmodd, as on a system that hands autoloading to kmodd
    : > /etc/udev/rules.d/80-drivers.rules
    cat > /etc/udev/rules.d/70-kmodd-vm.rules <<'EOF'
# kmodd's VM suite: the PC speaker's driver, loaded through kmodd
ACTION=="add", SUBSYSTEM=="platform", KERNEL=="pcspkr", ENV{MODALIAS}=="?*", \
  RUN+="/usr/bin/kmodctl load --no-block --autoclean $env{MODALIAS}"
EOF
    udevadm control --reload
    echo "$KMODD_VM_REL" > "$results/kernel"
    truncate -s 16M $work/vfat.img && mkfs.vfat $work/vfat.img > /dev/null
    truncate -s 4M $work/busy.img
}

# =========================== part "activation" =====================================

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

# ================================================================================
setup_out=$(setup 2>&1) || { echo "$setup_out"; echo "Bail out! setup failed"; exit 1; }

case $part in
activation)
    check "outsider (not in group kmodd): kmodctl list works and starts kmodd by D-Bus activation (launch helper)" t_activation
    check "outsider: kmodctl info msdos works" t_outsider_info
    check "outsider: kmodctl load msdos refused, not authorized (exit 3), nothing loaded" t_outsider_load
    check "outsider: unload and autoclean refused (exit 3)" t_outsider_unload
    check "member of kmodd: kmodctl load msdos inserts fat then msdos, msdos holds fat" t_member_load
    check "member: kmodctl unload fat refused, in use by msdos (exit 5)" t_member_unload_held
    check "member: kmodctl unload --dependencies msdos removes msdos and fat" t_member_unload_deps
    check "vfat mounted on a loop device: unload refused with its use count (exit 5)" t_vfat_mounted
    check "vfat after umount: unload succeeds" t_vfat_unmounted
    check "root: kmodctl load brd rd_nr=3 sets /sys/module/brd/parameters/rd_nr" t_params_root
    check "member: load with parameters refused (exit 3), without them allowed" t_params_member
    check "root: a parameter the module does not declare is refused (exit 2)" t_params_undeclared
    check "monitor --json: modprobe and rmmod outside kmodd seen once each, reason external" t_monitor_external
    check "monitor --json: a member's load and unload seen once each, reason request, its uid" t_monitor_request
    check "blacklisted module refused, by name and by alias (exit 1)" t_blacklisted
    check "module with 'install ... /bin/false' refused, not loaded (exit 1)" t_install_false
    check "raw D-Bus Load without the interactive flag: InteractiveAuthorizationRequired" t_raw_interactive_required
    check "udev rule with kmodctl load --no-block --autoclean loads pcspkr, udev does not wait; unload refused (it drives pcspkr), --unbind works" t_udev_rule
    check "udev rule while kmodd is not running: the rule's kmodctl activates it" t_udev_rule_activation
    check "restart (SIGTERM, reactivation) with AutoCleanInterval=2" t_autoclean_restart
    check "AutoClean: msdos and fat loaded with --autoclean and unused go after two passes" t_autoclean_unused
    check "AutoClean: loop kept busy by an attached loop device stays" t_autoclean_busy
    check "AutoClean: a restart keeps the marks (list --autoclean); loop goes once detached" t_autoclean_marks_kept
    check "SIGTERM: kmodd exits with status 0" t_sigterm
    check "kill -9: the next call reactivates kmodd, which works" t_kill9
    check "IdleTimeout=5: kmodd exits 0 when idle, not while a module is marked; calls reactivate it" t_idle_timeout
    check "systemd-analyze verify on the installed kmodd.service" t_unit_verify
    check "systemd-analyze security --offline=true: exposure at most 2.5" t_unit_security
    check "modules_disabled=1: the ModulesDisabled property follows without a request" t_modules_disabled_property
    check "modules_disabled=1: load and unload refused (exit 1), naming kernel.modules_disabled" t_modules_disabled_refused
    ;;
systemd)
    [ "$(cat /proc/1/comm)" = systemd ] || { echo "Bail out! PID 1 is not systemd"; exit 1; }
    check "systemd: a call activates kmodd.service (SystemdService=), in its own cgroup" t_sd_activation
    check "systemd: kmodd.service runs sandboxed (CapBnd CAP_SYS_MODULE only, NoNewPrivs 1, Seccomp 2, / read-only)" t_sd_sandbox
    check "systemd: member loads msdos (fat, msdos) and unloads them under the unit" t_sd_load_unload
    check "systemd: parameters, an install command (modprobe) and install /bin/false under the unit" t_sd_params_install
    check "systemd: uevents reach the sandboxed kmodd (external modprobe/rmmod, once each)" t_sd_monitor_external
    check "systemd: AutoClean under the unit; marks in /run/kmodd survive systemctl restart" t_sd_autoclean
    check "systemd: outsider: load --dry-run needs no authorization and inserts nothing" t_dry_run_outsider
    check "systemd: unload --dependencies msdos keeps fat while vfat uses it" t_shared_dependency
    check "systemd: names: a path is refused (exit 2), msdos.evil is not msdos (exit 4), fs-msdos is" t_names
    check "systemd: builtin module (unix): unload refused (exit 1), load inserts nothing" t_builtin
    check "systemd: modprobe.d edited while kmodd runs: blacklist (of a dependency too), options, softdep apply" t_modprobe_d_live
    check "systemd: permanent module (vrf, no exit function): refcount -1, unload and dry run refused, saying why" t_permanent
    check "systemd: AutoClean: a marked module removed by rmmod loses its mark; reloaded by modprobe, it stays" t_autoclean_external_reload
    check "systemd: AutoClean: the same when modprobe reloads it before kmodd handled the remove uevent" t_autoclean_external_reload_fast
    check "systemd: AutoClean: a marked module reloaded by modprobe while kmodd was stopped is not removed" t_autoclean_stale_mark
    check "systemd: AutoClean: dependencies inserted by a failed load --autoclean ($(failing_module): init fails) are marked" t_autoclean_failed_load
    check "systemd: systemctl stop: SIGTERM, exit status 0, Result=success" t_sd_stop
    check "systemd: e1000 card: kmodctl load --autoclean MODALIAS binds it; e1000 stays 5 AutoClean intervals" t_sd_e1000_autoclean_kept
    check "systemd: e1000 card: unload refused naming the card (exit 5); --dry-run --unbind lists it" t_sd_e1000_unload_refused
    check "systemd: e1000 card: sysfs remove (unplug): e1000 goes within two intervals; rescan brings the card back" t_sd_e1000_unplug
    check "systemd: e1000 card: unload --unbind unbinds the card and removes e1000" t_sd_e1000_unbind
    check "systemd: after SIGKILL the next call reactivates kmodd.service" t_sd_kill9
    ;;
*)
    echo "Bail out! unknown part $part"
    exit 2
    ;;
esac

emit "1..$n"
emit "# $part: $passed passed, $failed failed, $todo known bugs (TODO)"
[ $failed = 0 ]
