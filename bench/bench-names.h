/* bench-names.h: the names of the benchmark's own reference service,
 * kmodd-bench-ping (its bus policy is bench/kmodd-bench-bus.conf). kmodd's
 * own names come from common/kmodd-names.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define BENCH_PING_NAME      "org.kmodd.Bench.Ping"
#define BENCH_PING_NAME2     "org.kmodd.Bench.Ping2"
#define BENCH_PING_PATH      "/org/kmodd/Bench/Ping"
#define BENCH_PING_INTERFACE "org.kmodd.Bench.Ping"
