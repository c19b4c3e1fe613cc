#!/bin/sh
# run-fuzzers.sh: run each of kmodd's libFuzzer fuzzers for a bounded time.
#
#   CC=clang meson setup build-fuzz -Dfuzzing=true && ninja -C build-fuzz
#   tests/fuzz/run-fuzzers.sh build-fuzz [FUZZER...]
#
#   KMODD_FUZZ_SECONDS   seconds per fuzzer (default 60)
#   KMODD_FUZZ_OUT       where the working corpora, logs and crash inputs
#                        go (default: a new directory under /tmp)
#
# Each fuzzer starts from its seed corpus in tests/fuzz/corpus/<fuzzer>/
# (copied: the tree is never written to) and runs with ASan, UBSan and
# LeakSanitizer. Prints executions and coverage per fuzzer; exits non-zero
# when any fuzzer found a crash, a leak, a timeout or a failed property;
# the input is then in $KMODD_FUZZ_OUT/<fuzzer>/crash-* (or leak-*,
# timeout-*), to replay with: build-fuzz/tests/fuzz/<fuzzer> FILE
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: $0 BUILD_DIR [FUZZER...]}
shift
seconds=${KMODD_FUZZ_SECONDS:-60}
out=${KMODD_FUZZ_OUT:-$(mktemp -d /tmp/kmodd-fuzz.XXXXXX)}
mkdir -p "$out"

if [ $# -eq 0 ]; then
    set -- $(cd "$here/corpus" && ls)
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export G_DEBUG=fatal-criticals

failed=0
printf '%-18s %8s %12s %10s %7s %7s %s\n' fuzzer seconds executions exec/s cov ft result > "$out/summary"
for fuzzer in "$@"; do
    exe="$build/tests/fuzz/$fuzzer"
    if [ ! -x "$exe" ] || ! grep -q LLVMFuzzerRunDriver "$exe"; then
        echo "$exe: not a libFuzzer binary (configure with CC=clang -Dfuzzing=true)" >&2
        exit 2
    fi
    work="$out/$fuzzer"
    mkdir -p "$work/corpus"
    cp -n "$here/corpus/$fuzzer"/* "$work/corpus/" 2>/dev/null || true
    dict=
    [ -f "$here/$fuzzer.dict" ] && dict="-dict=$here/$fuzzer.dict"
    echo "== $fuzzer: $seconds s" >&2
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$work/" $dict \
        "$work/corpus" > "$work/log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$work/log" | grep ' cov: ' | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    if [ "$status" -eq 0 ]; then
        result=ok
    else
        result="FAILED (exit $status; see $work/log)"
        failed=1
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*property failed|artifact_prefix|Test unit written)' "$work/log" >&2
    fi
    printf '%-18s %8s %12s %10s %7s %7s %s\n' "$fuzzer" "$seconds" "${execs:-?}" "${rate:-?}" \
        "${cov:-?}" "${ft:-?}" "$result" >> "$out/summary"
done

cat "$out/summary"
echo "corpora, logs and any crash inputs: $out"
exit $failed
