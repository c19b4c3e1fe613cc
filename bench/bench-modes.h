/* bench-modes.h: the modes of kmodd-bench. Each takes its arguments after
 * the mode name, prints one JSON object on stdout and returns the exit
 * status.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/* bench-calls.c: method calls on a warm connection; bench-throughput.c: many at once */
int bench_mode_rtt (int argc, char **argv);
int bench_mode_throughput (int argc, char **argv);
int bench_mode_info_all (int argc, char **argv);
int bench_mode_memory (int argc, char **argv);
int bench_mode_wait_name (int argc, char **argv);
int bench_mode_wait_list (int argc, char **argv);

/* bench-process.c: whole processes, the daemon's start, the real kernel */
int bench_mode_proc (int argc, char **argv);
int bench_mode_call_once (int argc, char **argv);
int bench_mode_load_unload (int argc, char **argv);
int bench_mode_signal_latency (int argc, char **argv);
int bench_mode_start_time (int argc, char **argv);
int bench_mode_activation (int argc, char **argv);

/* bench-fakekernel.c: setup of the fake kernel (not measured) */
int bench_mode_fk_load (int argc, char **argv);
