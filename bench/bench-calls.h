/* bench-calls.h: the calls that kmodd-bench measures, shared by
 * bench-calls.c (round trips, Info over a directory, waiting) and
 * bench-throughput.c (concurrent clients, memory).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

typedef enum {
  PARAMS_NONE,
  PARAMS_OPTIONS,       /* (a{sv}) */
  PARAMS_NAME_OPTIONS,  /* (sa{sv}) */
  PARAMS_NAME_TOGGLE,   /* (sba{sv}), the boolean flipped at each call: every call changes */
} Params;

typedef struct {
  const char *row;
  const char *what;
  const char *destination;
  const char *path;
  const char *interface;
  const char *method;
  Params      params;
} CallSpec;

typedef struct {
  const CallSpec *spec;
  GVariant       *parameters;     /* owned, may be NULL */
  GVariant       *alt_parameters; /* PARAMS_NAME_TOGGLE: every other call */
  guint           n_calls;
  GArray         *samples;
} Call;

const CallSpec *bench_find_spec (const char *row);
GArray         *bench_make_calls (const char *rows,
                                  const char *info_name,
                                  guint       reserve);
gboolean        bench_do_call (GDBusConnection *connection,
                               Call            *call,
                               gint64          *out_ns,
                               GError         **error);
