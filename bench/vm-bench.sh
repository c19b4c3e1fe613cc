#!/bin/sh
# vm-bench.sh: the real-kernel rows of kmodd's benchmark. bench/run-bench
# runs it in the VM (tests/vm/vm.py run --install-tree ...), with kmodd,
# libkmodd, kmodctl and the bench binaries installed into the guest from
# the build, and the results going to $KMODD_VM_RESULTS as JSON.
#
# kmodd is started by bus activation, as on a real system. Only `dummy`
# is ever loaded or unloaded here: never the boot modules (virtio_pci...).
#
# Settings (--env from run-bench): KMODD_BENCH_BIN, KMODD_BENCH_PING,
# KMODD_BENCH_KMODCTL, KMODD_BENCH_{ACT,PROC,LU,SIG,RTT}_REPS, KMODD_BENCH_INFO.
set -u
out=${KMODD_VM_RESULTS:?not in the VM}
bench=$KMODD_BENCH_BIN
status=0

run() {
    name=$1
    shift
    echo "vm-bench: $name"
    if ! "$bench" "$@" >"$out/$name.json" 2>"$out/$name.err"; then
        echo "vm-bench: $name failed:"
        cat "$out/$name.err"
        rm -f "$out/$name.json"
        status=1
    fi
}

# the install tree's libkmodd: guest-init.sh's own ldconfig does not leave
# it in the cache (seen with tests/vm as of this writing), so ask again
ldconfig

uname -r >"$out/uname.txt"
nproc >"$out/nproc.txt"
if grep -q '^dummy ' /proc/modules; then rmmod dummy; fi

# start by activation (StartServiceByName), stopped with SIGTERM each time;
# the last start stays up for the rows below
run activation activation --reps "$KMODD_BENCH_ACT_REPS"

# with two floors: kmodctl's own start (no bus), and a minimal GIO client
# (connect, GetId, exit)
run proc proc --reps "$KMODD_BENCH_PROC_REPS" --warmup 3 --settle-ms 50 \
    --a "$KMODD_BENCH_KMODCTL list" --b lsmod --c "$KMODD_BENCH_KMODCTL --version" \
    --d "$bench call-once"

run load-unload load-unload --reps "$KMODD_BENCH_LU_REPS" --module dummy --settle-ms 100

run signal-latency signal-latency --reps "$KMODD_BENCH_SIG_REPS" --module dummy --settle-ms 100

# round trips against the real kernel, with the reference service
"$KMODD_BENCH_PING" >"$out/ping.err" 2>&1 &
ping_pid=$!
if "$bench" wait-name --name org.kmodd.Bench.Ping --timeout 60 >/dev/null; then
    run rtt rtt --reps "$KMODD_BENCH_RTT_REPS" --warmup 50 \
        --rows getid,ping,blob,iblob,list,info,dblob,devices --info-name "$KMODD_BENCH_INFO"
else
    echo "vm-bench: the reference service did not start"
    status=1
fi
kill "$ping_pid" 2>/dev/null
wait "$ping_pid" 2>/dev/null

cat /proc/modules >"$out/proc-modules.txt"
exit $status
