#!/bin/bash
# run-suite.sh: kmodd's VM suite, from the host.  Builds kmodd as a
# distribution would (build-kmodd.sh: build-vm/, prefix /usr) into a fresh
# DESTDIR, boots Debian's real kernel twice with that tree installed, and
# runs tests/vm/suite.sh in each guest:
#
#   part "activation"  busybox init, dbus-daemon starts kmodd through its
#                      launch helper (the activation file's Exec=)
#   part "systemd"     the host's systemd as PID 1, dbus-daemon starts kmodd
#                      through systemd and the installed, hardened kmodd.service
#
# The two boots run side by side (KMODD_VM_JOBS=1: one after the other).
# Prints TAP on stdout, one line per case, numbered across both parts, with
# the guest's output for any failing case and a summary with the times.
# Exit status 0 only if every case passed (known kmodd bugs are TODO cases,
# see suite.sh, and do not count).  Everything else goes to stderr.
#
#   tests/vm/run-suite.sh [-v] [PART...]       (-v: every case's output)
#
#   KMODD_VM_JOBS=1       boot the guests one after the other (default: 2 at once)
#   KMODD_VM_MEM=MiB      memory per guest (default 1024)
#   KMODD_VM_TIMEOUT=S    per guest (default 1200)
#   KMODD_CACHE_DIR       vm.py's cache (default /var/cache/kmodd-dev)
#
# Needs root the first time (apt-get, /var/cache/kmodd-dev) and the kernel
# package (sudo tools/fetch-kernel; skipped without it); tools/run-tests
# runs both, and meson registers it as the test "vm" (suite vm) when the
# vm_tests option allows.  Logs of the last run: build-vm/vm-results/ (a
# link to this run's build-vm/vm-results.XXXXXX; older ones go after 3 h).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
py=/usr/bin/python3   # never a pyenv shim
verbose=0
[ "${1:-}" = -v ] && { verbose=1; shift; }
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(activation systemd reboot)
jobs=${KMODD_VM_JOBS:-2}
timeout=${KMODD_VM_TIMEOUT:-1200}   # per guest, seconds
mem=${KMODD_VM_MEM:-1024}           # per guest, MiB
# the systemd guest's devices: suite-systemd.sh's t_sd_e1000_* and t_sd_hotplug_*
SYSTEMD_GUEST_DEVICES="-device e1000 -chardev null,id=usbserial0 -device qemu-xhci,id=xhci -device usb-serial,bus=xhci.0,chardev=usbserial0,always-plugged=on"
started=$EPOCHREALTIME

secs() { awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.0f", b - a }'; }
note() { echo "run-suite: $*" >&2; }

n=0 passed=0 failed=0 todo=0
tap() {   # one case line, renumbered
    local line=$1
    n=$((n + 1))
    case $line in
        "not ok "*"# TODO"*) todo=$((todo + 1)) ;;
        "not ok "*) failed=$((failed + 1)) ;;
        "ok "*"# TODO"*) failed=$((failed + 1)) ;;   # fixed: drop the TODO
        *) passed=$((passed + 1)) ;;
    esac
    sed -E "s/^(not ok|ok) [0-9]+ /\1 $n /" <<<"$line"
}

cache=${KMODD_CACHE_DIR:-/var/cache/kmodd-dev}
if [ "$(id -u)" != 0 ] && ! { mkdir -p "$cache" && [ -w "$cache" ]; } 2>/dev/null; then
    echo "1..0 # SKIP needs root (apt-get) or a writable KMODD_CACHE_DIR (now $cache)"
    exit 0
fi
if ! sh "$top/tests/fixtures/fetch-kernel.sh" --cached >/dev/null 2>&1; then
    echo "1..0 # SKIP needs Debian's kernel package: run sudo tools/fetch-kernel"
    exit 0
fi
destdir=$(mktemp -d /tmp/kmodd-vm-destdir.XXXXXX)
chmod 755 "$destdir"
trap 'rm -rf "$destdir"' EXIT
trap 'exit 130' INT TERM HUP

cd "$top" || exit 1
# each run has its own results directory (runs may overlap: CI, meson test,
# a developer); build-vm/vm-results points to the latest
mkdir -p "$top/build-vm"
find "$top/build-vm" -maxdepth 1 -name 'vm-results.*' -type d -mmin +180 -exec rm -rf {} + 2>/dev/null
out=$(mktemp -d "$top/build-vm/vm-results.XXXXXX") || exit 1
chmod 755 "$out"
[ -L "$top/build-vm/vm-results" ] || rm -rf "$top/build-vm/vm-results"
ln -sfn "$(basename "$out")" "$top/build-vm/vm-results"

# ---- host: dependencies, kernel, build ---------------------------------------------
t0=$EPOCHREALTIME
if [ "$(id -u)" = 0 ] && ! "$top/tools/install-deps.sh" >&2; then
    echo "Bail out! tools/install-deps.sh failed"
    exit 1
fi
if ! $py "$here/vm.py" prepare > "$out/prepare.log" 2>&1; then
    cat "$out/prepare.log" >&2
    echo "Bail out! vm.py prepare failed (QEMU, the kernel fixture): see above"
    exit 1
fi
prep_s=$(secs "$t0")
t0=$EPOCHREALTIME
if "$here/build-kmodd.sh" "$destdir" >&2; then
    tap "ok 1 - host: build kmodd (meson, prefix /usr) and install it into a DESTDIR # $(secs "$t0")s"
else
    tap "not ok 1 - host: build kmodd (meson, prefix /usr) and install it into a DESTDIR"
    echo "1..$n"
    exit 1
fi
build_s=$(secs "$t0")

# ---- guests ----------------------------------------------------------------------------
# part "reboot": the same system booted twice, /etc kept (reboot.sh): first
# with busybox init, then with systemd as PID 1, systemd-modules-load, udev's
# coldplug and an e1000 card; the two TAP files become reboot/reboot.tap
boot_reboot() {
    mkdir -p "$out/reboot"
    $py "$here/reboot.py" "$out/reboot" "$destdir" "$timeout" "$mem" \
        > "$out/reboot.summary" 2> "$out/reboot.stderr"
}

boot_part() {   # PART: boots, runs suite.sh PART; results in $out/PART/
    local part=$1 flags=() qemu_args=${KMODD_VM_QEMU_ARGS:-}
    [ "$part" = reboot ] && { boot_reboot; return; }
    # the systemd guest gets a PCI network card (suite-systemd.sh's t_sd_e1000_*)
    # and a USB serial adapter (an FTDI: ftdi_sio) on an xHCI controller
    [ "$part" = systemd ] && { flags+=(--systemd); qemu_args+=" $SYSTEMD_GUEST_DEVICES"; }
    mkdir -p "$out/$part"
    KMODD_VM_QEMU_ARGS=$qemu_args $py - "$part" "$out/$part" "$destdir" "$timeout" "$verbose" "$mem" "${flags[@]}" <<'EOF' \
        > "$out/$part.summary" 2> "$out/$part.stderr"
import sys
sys.path.insert(0, "tests/vm")
import vm
part, res_dir, destdir, timeout, verbose, mem = sys.argv[1:7]
res = vm.run("tests/vm/suite.sh", [part], results=res_dir, install_tree=destdir,
             timeout=float(timeout), mem=int(mem), keep_log=f"{res_dir}/console.log",
             systemd="--systemd" in sys.argv[7:], env={"KMODD_VM_VERBOSE": verbose},
             prepared=vm.prepare(install=False))
fmt = lambda s: "-" if s is None else f"{s:.1f}"
print(f"status={res.status} boot={fmt(res.boot_seconds)} script={fmt(res.script_seconds)} "
      f"total={fmt(res.total_seconds)}")
EOF
}

t0=$EPOCHREALTIME
pids=()
for part in "${parts[@]}"; do
    note "booting the guest for part '$part'"
    boot_part "$part" &
    pids+=($!)
    [ "$jobs" -gt 1 ] || wait $!
done
wait "${pids[@]}"
guests_s=$(secs "$t0")

timings=""
for part in "${parts[@]}"; do
    sum=$(cat "$out/$part.summary" 2>/dev/null)
    status=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"$sum")
    boot=$(sed -n 's/.*boot=\([0-9.-]*\).*/\1/p' <<<"$sum")
    script=$(sed -n 's/.*script=\([0-9.-]*\).*/\1/p' <<<"$sum")
    timings="$timings# $part: boot ${boot:--}s, cases ${script:--}s
"
    ptap=$out/$part/$part.tap
    # the guest came up and suite.sh ran to its end (its plan line)
    if [ -s "$ptap" ] && grep -q '^1\.\.' "$ptap"; then
        tap "ok $((n + 1)) - $part: guest booted (kernel $(cat "$out/$part/kernel" 2>/dev/null || echo up)) and the suite ran to its end # boot ${boot}s"
    else
        tap "not ok $((n + 1)) - $part: guest booted and the suite ran to its end (status ${status:-none})"
        echo "#   console (last 60 lines):"
        tail -n 60 "$out/$part/console.log" 2>/dev/null | sed 's/^/#   /'
        cat "$out/$part.stderr" 2>/dev/null | grep -v '^----' | tail -n 5 | sed 's/^/#   /'
    fi
    [ -f "$ptap" ] || continue
    while IFS= read -r line; do
        case $line in
            "ok "*|"not ok "*) tap "$line" ;;
            "1.."*) ;;
            *) echo "$line" ;;
        esac
    done < "$ptap"
done

echo "1..$n"
total_s=$(secs "$started")
exposure=$(cat "$out/activation/exposure" 2>/dev/null || echo "-")
cat <<EOF
# vm: $passed passed, $failed failed, $todo known kmodd bugs (TODO)
# host: prepare ${prep_s}s, build ${build_s}s, guests ${guests_s}s (side by side: $([ "$jobs" -gt 1 ] && echo yes || echo no)), total ${total_s}s
${timings}# kmodd.service exposure (systemd-analyze security --offline=true): $exposure
# logs: $out/
EOF
[ $failed = 0 ]
