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
# for the PCI card run-suite.sh adds (-device e1000), and ftdi_sio and
# usbserial for its USB serial adapter (-device usb-serial on qemu-xhci).  Never unload virtio_pci or
# the other boot modules: the root filesystem goes with them.  The part
# "activation" ends with kernel.modules_disabled=1.  suite-remote.sh adds
# kmodctl -H's cases to part "systemd".
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

# The cases, one function each (t_...): the part "activation" runs
# suite-activation.sh's, the part "systemd" suite-systemd.sh's and
# suite-remote.sh's, and a few of the other part's (see the lists below).
# shellcheck source=tests/vm/suite-activation.sh
. "$(dirname "${BASH_SOURCE[0]}")/suite-activation.sh"
# shellcheck source=tests/vm/suite-systemd.sh
. "$(dirname "${BASH_SOURCE[0]}")/suite-systemd.sh"
# kmodctl -H, over the guest's own sshd (part "systemd")
# shellcheck source=tests/vm/suite-remote.sh
. "$(dirname "${BASH_SOURCE[0]}")/suite-remote.sh"

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
    check "systemd: block/unblock, enable/disable, set-parameters --now under the unit; systemd-modules-load reads kmodd's file" t_sd_configure
    check "systemd: systemctl stop: SIGTERM, exit status 0, Result=success" t_sd_stop
    check "systemd: e1000 card: kmodctl load --autoclean MODALIAS binds it; e1000 stays 5 AutoClean intervals" t_sd_e1000_autoclean_kept
    check "systemd: e1000 card: unload refused naming the card (exit 5); --dry-run --unbind lists it" t_sd_e1000_unload_refused
    check "systemd: e1000 card: kmodctl reload e1000 (member) binds the card to e1000 again; the AutoClean mark stays" t_sd_e1000_reload
    check "systemd: e1000 card: sysfs remove (unplug): e1000 goes within two intervals; rescan brings the card back" t_sd_e1000_unplug
    check "systemd: e1000 card: unload --unbind unbinds the card and removes e1000" t_sd_e1000_unbind
    check "systemd: e1000 card: Devices lists it bound to e1000 with candidate e1000; a blacklist e1000 line makes it blacklisted" t_sd_e1000_devices
    check "systemd: hotplug with the stock udev rules and 79-kmodd-autoload.rules: 20 cycles of e1000 card unplug (sysfs remove) and plug (rescan), each loaded, bound and marked, gone within two intervals" t_sd_hotplug_e1000
    check "systemd: hotplug: a USB serial adapter on qemu-xhci: ftdi_sio and usbserial loaded through the rule and marked, kept while plugged, gone after deauthorizing, back after authorizing" t_sd_hotplug_usb_serial
    check "systemd: after SIGKILL the next call reactivates kmodd.service" t_sd_kill9
    check "systemd: kmodctl -H tester@localhost (real ssh, sshd, bridge; group kmodd): load, list as locally, unload" t_remote_load_list_unload
    check "systemd: kmodctl -H outsider@localhost: load refused (exit 3), also from a terminal, nothing loaded" t_remote_outsider
    check "systemd: kmodctl -H: a host that does not exist, a closed port: one line, exit 7" t_remote_no_such_host
    check "systemd: kmodctl -H monitor --json sees a load; the bridge killed, it ends with exit 7" t_remote_monitor_killed
    ;;
*)
    echo "Bail out! unknown part $part"
    exit 2
    ;;
esac

emit "1..$n"
emit "# $part: $passed passed, $failed failed, $todo known bugs (TODO)"
[ $failed = 0 ]
