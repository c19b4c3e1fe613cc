/* bench-util.h: what every kmodd-bench mode shares: the clock, sample
 * statistics, JSON output, spawning a process and waiting for it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

#include "bench-names.h"

/* CLOCK_MONOTONIC, the clock of g_get_monotonic_time(), in nanoseconds
 * (g_get_monotonic_time() rounds to microseconds, too coarse for a 30 µs
 * round trip). */
gint64 bench_now_ns (void);

/* Samples in microseconds. */
GArray *bench_samples_new (guint reserve);
void    bench_samples_add_ns (GArray *samples, gint64 ns);
double  bench_percentile (GArray *samples, double p); /* sorts samples */

/* Adds {"n", "min", "p10", "p25", "median", "p75", "p90", "p99", "max",
 * "mean"} (microseconds, or whatever unit the samples are in) as member
 * @name of the object being built. */
void bench_json_add_stats (JsonBuilder *builder,
                           const char  *name,
                           GArray      *samples);
void bench_json_print (JsonBuilder *builder);

/* The system bus of DBUS_SYSTEM_BUS_ADDRESS (or the real one), a private
 * connection: every caller gets its own. */
GDBusConnection *bench_connect (GError **error);

/* Spawns argv (PATH searched) with stdout and stderr to /dev/null unless
 * @quiet is FALSE, with @envp (NULL: ours). Returns the pid or -1. */
pid_t bench_spawn (char * const *argv,
                   char * const *envp,
                   gboolean      quiet);
/* Waits for @pid; returns TRUE if it exited with status 0. */
gboolean bench_wait (pid_t pid, int *out_status);
/* Spawns each argv in turn, waiting for each; FALSE at the first failure. */
gboolean bench_run_sequence (GPtrArray *argvs, GError **error);

/* environ with KEY=VALUE overrides applied (a new strv) */
char **bench_environ_with (char **overrides);

/* A List call's (a{sv}) argument, non-floating. */
GVariant *bench_empty_options (void);

/* Calls a method on kmodd; NULL and @error on failure. */
GVariant *bench_call (GDBusConnection *connection,
                      const char      *destination,
                      const char      *path,
                      const char      *interface,
                      const char      *method,
                      GVariant        *parameters,
                      GError         **error);

/* Reads a "Key:   123 kB" field (in KiB) from a /proc file; -1 if absent. */
gint64 bench_proc_kib (const char *path, const char *key);

/* Module names (normalized) of a modules directory, from modules.dep;
 * with @leaf_only, only those without dependencies. Also returns their
 * files (absolute paths) in @out_paths if not NULL. */
GPtrArray *bench_module_names (const char *modules_dir,
                               gboolean    leaf_only,
                               GPtrArray **out_paths,
                               GError    **error);

/* Parses "1000,100000" into a sorted array of guint. */
GArray *bench_parse_uint_list (const char *text);

/* Sleeps @ms milliseconds (the settle time between process measurements). */
void bench_sleep_ms (guint ms);
