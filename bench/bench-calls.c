/* bench-calls.c: method calls on a warm connection: round trips, Info over
 * a whole modules directory, waiting for a name or a list (bench-throughput.c:
 * concurrent clients and the daemon's memory across many calls).
 *
 * Every figure is measured next to its references in the same loop, the
 * calls interleaved (GetId, Ping, ..., List, Info, GetId, ...) and the
 * order rotated at each repetition, so that drift and order effects hit
 * all of them alike.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-calls.h"
#include "bench-modes.h"
#include "bench-util.h"
#include "kmodd-names.h"

/* ---- the calls ------------------------------------------------------------- */

enum { SPEC_GETID, SPEC_PING, SPEC_BLOB, SPEC_INFO_BLOB, SPEC_LIST, SPEC_INFO };

static const CallSpec call_specs[] = {
  { "getid", "org.freedesktop.DBus.GetId (bus daemon, one hop each way)",
    KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH, KMODD_BUS_DRIVER_INTERFACE, "GetId",
    PARAMS_NONE },
  { "ping", "Ping on a minimal GDBus service (two hops each way)",
    BENCH_PING_NAME, BENCH_PING_PATH, BENCH_PING_INTERFACE, "Ping", PARAMS_NONE },
  { "blob", "a minimal GDBus service returning a kept List reply",
    BENCH_PING_NAME, BENCH_PING_PATH, BENCH_PING_INTERFACE, "Blob", PARAMS_NONE },
  { "iblob", "a minimal GDBus service returning a kept Info reply",
    BENCH_PING_NAME, BENCH_PING_PATH, BENCH_PING_INTERFACE, "InfoBlob", PARAMS_NONE },
  { "list", "kmodd List",
    KMODD_DBUS_NAME, KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE, "List", PARAMS_OPTIONS },
  { "info", "kmodd Info",
    KMODD_DBUS_NAME, KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE, "Info", PARAMS_NAME_OPTIONS },
  { "config", "kmodd GetConfiguration",
    KMODD_DBUS_NAME, KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE, "GetConfiguration",
    PARAMS_NAME_OPTIONS },
  { "load", "kmodd Load of a loaded module (the first call, a warm-up, loads it)",
    KMODD_DBUS_NAME, KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE, "Load", PARAMS_NAME_OPTIONS },
  { "setboot", "kmodd SetBootLoad, on and off in turn (each call rewrites the file)",
    KMODD_DBUS_NAME, KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE, "SetBootLoad", PARAMS_NAME_TOGGLE },
  { "dblob", "a minimal GDBus service returning a kept Devices reply",
    BENCH_PING_NAME, BENCH_PING_PATH, BENCH_PING_INTERFACE, "DevicesBlob", PARAMS_NONE },
  { "devices", "kmodd Devices",
    KMODD_DBUS_NAME, KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE, "Devices", PARAMS_OPTIONS },
};


const CallSpec *
bench_find_spec (const char *row)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (call_specs); i++)
    if (g_str_equal (call_specs[i].row, row))
      return &call_specs[i];
  return NULL;
}

static GVariant *
make_parameters (const CallSpec *spec,
                 const char     *name)
{
  switch (spec->params)
    {
    case PARAMS_OPTIONS:
      return bench_empty_options ();
    case PARAMS_NAME_OPTIONS:
      return g_variant_ref_sink (g_variant_new_parsed ("(%s, @a{sv} {})", name));
    case PARAMS_NAME_TOGGLE:
      return g_variant_ref_sink (g_variant_new_parsed ("(%s, true, @a{sv} {})", name));
    case PARAMS_NONE:
    default:
      return NULL;
    }
}

static void
call_clear (Call *call)
{
  g_clear_pointer (&call->parameters, g_variant_unref);
  g_clear_pointer (&call->alt_parameters, g_variant_unref);
  g_clear_pointer (&call->samples, g_array_unref);
}

/* Parses "getid,ping,list" into calls; NULL and a message on an unknown row. */
GArray *
bench_make_calls (const char *rows,
                  const char *info_name,
                  guint       reserve)
{
  g_autoptr(GArray) calls = g_array_new (FALSE, TRUE, sizeof (Call));
  g_auto(GStrv) names = g_strsplit (rows, ",", -1);
  guint i;

  g_array_set_clear_func (calls, (GDestroyNotify) call_clear);
  for (i = 0; names[i] != NULL; i++)
    {
      Call call = { 0, };

      call.spec = bench_find_spec (names[i]);
      if (call.spec == NULL)
        {
          g_printerr ("kmodd-bench: unknown row “%s”\n", names[i]);
          return NULL;
        }
      call.parameters = make_parameters (call.spec, info_name);
      if (call.spec->params == PARAMS_NAME_TOGGLE)
        call.alt_parameters = g_variant_ref_sink (g_variant_new_parsed ("(%s, false, @a{sv} {})",
                                                                        info_name));
      call.samples = bench_samples_new (reserve);
      g_array_append_val (calls, call);
    }
  return g_steal_pointer (&calls);
}

gboolean
bench_do_call (GDBusConnection *connection,
               Call            *call,
               gint64          *out_ns,
               GError         **error)
{
  GVariant *parameters = call->alt_parameters != NULL && call->n_calls++ % 2 == 1
                         ? call->alt_parameters : call->parameters;
  gint64 t0 = bench_now_ns ();
  GVariant *reply = bench_call (connection, call->spec->destination, call->spec->path,
                                call->spec->interface, call->spec->method,
                                parameters, error);
  gint64 t1 = bench_now_ns ();

  if (reply == NULL)
    return FALSE;
  g_variant_unref (reply);
  if (out_ns)
    *out_ns = t1 - t0;
  return TRUE;
}

static gint64
count_entries (GDBusConnection *connection,
               const char      *method,
               GError         **error)
{
  g_autoptr(GVariant) options = bench_empty_options ();
  g_autoptr(GVariant) reply = bench_call (connection, KMODD_DBUS_NAME, KMODD_DBUS_PATH,
                                          KMODD_DBUS_INTERFACE, method, options, error);
  g_autoptr(GVariant) modules = NULL;

  if (reply == NULL)
    return -1;
  modules = g_variant_get_child_value (reply, 0);
  return (gint64) g_variant_n_children (modules);
}

static gint64
count_modules (GDBusConnection *connection,
               GError         **error)
{
  return count_entries (connection, "List", error);
}

static gboolean
capture_blob (GDBusConnection *connection,
              const char      *info_name,
              guint32         *out_count,
              GError         **error)
{
  g_autoptr(GVariant) reply = bench_call (connection, BENCH_PING_NAME, BENCH_PING_PATH,
                                          BENCH_PING_INTERFACE, "Capture",
                                          g_variant_new ("(s)", info_name), error);

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u)", out_count);
  return TRUE;
}

static gboolean
rows_contain (const char *rows,
              const char *row)
{
  g_auto(GStrv) names = g_strsplit (rows, ",", -1);

  return g_strv_contains ((const char * const *) names, row);
}

/* ---- rtt ---------------------------------------------------------------------- */

int
bench_mode_rtt (int    argc,
                char **argv)
{
  int reps = 2000;
  int warmup = 200;
  g_autofree char *rows = NULL;
  g_autofree char *info_name = NULL;
  const GOptionEntry entries[] = {
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions of each call", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Warm-up calls of each", "N" },
    { "rows", 0, 0, G_OPTION_ARG_STRING, &rows, "Calls: getid,ping,blob,iblob,dblob,list,info,devices,config,load,setboot", "LIST" },
    { "info-name", 0, 0, G_OPTION_ARG_STRING, &info_name, "Module for Info", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- round trips");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GArray) calls = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint32 blob_count = 0;
  gint64 n_modules = -1;
  guint n;
  int i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodd-bench rtt: %s\n", error->message);
      return 2;
    }
  if (rows == NULL)
    rows = g_strdup ("getid,ping,list");
  calls = bench_make_calls (rows, info_name ? info_name : "dummy", (guint) reps);
  if (calls == NULL)
    return 2;
  n = calls->len;

  connection = bench_connect (&error);
  if (connection == NULL)
    goto fail;
  if (rows_contain (rows, "list") || rows_contain (rows, "info"))
    {
      n_modules = count_modules (connection, &error);
      if (n_modules < 0)
        goto fail;
    }
  if ((rows_contain (rows, "blob") || rows_contain (rows, "iblob") ||
       rows_contain (rows, "dblob")) &&
      !capture_blob (connection, info_name ? info_name : "dummy", &blob_count, &error))
    goto fail;

  for (i = 0; i < warmup; i++)
    {
      guint j;

      for (j = 0; j < n; j++)
        if (!bench_do_call (connection, &g_array_index (calls, Call, j), NULL, &error))
          goto fail;
    }

  for (i = 0; i < reps; i++)
    {
      guint j;

      for (j = 0; j < n; j++)
        {
          Call *call = &g_array_index (calls, Call, (i + j) % n);
          gint64 ns;

          if (!bench_do_call (connection, call, &ns, &error))
            goto fail;
          bench_samples_add_ns (call->samples, ns);
        }
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "rtt");
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, "us");
  json_builder_set_member_name (builder, "n_modules");
  json_builder_add_int_value (builder, n_modules);
  json_builder_set_member_name (builder, "blob_modules");
  json_builder_add_int_value (builder, blob_count);
  json_builder_set_member_name (builder, "info_name");
  json_builder_add_string_value (builder, info_name ? info_name : "dummy");
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_object (builder);
  for (n = 0; n < calls->len; n++)
    {
      Call *call = &g_array_index (calls, Call, n);

      bench_json_add_stats (builder, call->spec->row, call->samples);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  bench_json_print (builder);
  return 0;

fail:
  g_printerr ("kmodd-bench rtt: %s\n", error->message);
  return 1;
}

/* ---- Info over a modules directory ---------------------------------------------- */

int
bench_mode_info_all (int    argc,
                     char **argv)
{
  g_autofree char *modules_dir = NULL;
  int limit = 0;
  const GOptionEntry entries[] = {
    { "modules-dir", 0, 0, G_OPTION_ARG_FILENAME, &modules_dir,
      "Modules directory (its modules.dep names the modules)", "DIR" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "Only the first N modules (0: all)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Info for every module");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GArray) info_samples = NULL;
  g_autoptr(GArray) getid_samples = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func (g_free);
  Call getid = { &call_specs[SPEC_GETID], NULL, NULL };
  gint64 info_total = 0;
  gint64 getid_total = 0;
  gint64 wall0;
  gint64 wall;
  guint i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || modules_dir == NULL)
    {
      g_printerr ("kmodd-bench info-all: %s\n", error ? error->message : "--modules-dir is needed");
      return 2;
    }

  names = bench_module_names (modules_dir, FALSE, NULL, &error);
  if (names == NULL)
    goto fail;
  if (limit > 0 && (guint) limit < names->len)
    g_ptr_array_set_size (names, (guint) limit);
  connection = bench_connect (&error);
  if (connection == NULL)
    goto fail;
  info_samples = bench_samples_new (names->len);
  getid_samples = bench_samples_new (names->len);

  wall0 = bench_now_ns ();
  for (i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(GVariant) parameters = make_parameters (&call_specs[SPEC_INFO], name);
      g_autoptr(GError) local = NULL;
      gint64 t0;
      gint64 t1;
      gint64 ns;
      GVariant *reply;

      t0 = bench_now_ns ();
      reply = bench_call (connection, KMODD_DBUS_NAME, KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE,
                          "Info", parameters, &local);
      t1 = bench_now_ns ();
      if (reply == NULL)
        {
          if (failures->len < 10)
            g_ptr_array_add (failures, g_strdup_printf ("%s: %s", name, local->message));
          else
            g_ptr_array_add (failures, NULL);
        }
      else
        g_variant_unref (reply);
      bench_samples_add_ns (info_samples, t1 - t0);
      info_total += t1 - t0;

      /* the floor, in the same loop */
      if (!bench_do_call (connection, &getid, &ns, &error))
        goto fail;
      bench_samples_add_ns (getid_samples, ns);
      getid_total += ns;
    }
  wall = bench_now_ns () - wall0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "info-all");
  json_builder_set_member_name (builder, "modules");
  json_builder_add_int_value (builder, names->len);
  json_builder_set_member_name (builder, "failures");
  json_builder_add_int_value (builder, failures->len);
  json_builder_set_member_name (builder, "failure_examples");
  json_builder_begin_array (builder);
  for (i = 0; i < failures->len; i++)
    if (g_ptr_array_index (failures, i) != NULL)
      json_builder_add_string_value (builder, g_ptr_array_index (failures, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "info_total_s");
  json_builder_add_double_value (builder, info_total / 1e9);
  json_builder_set_member_name (builder, "getid_total_s");
  json_builder_add_double_value (builder, getid_total / 1e9);
  json_builder_set_member_name (builder, "wall_s");
  json_builder_add_double_value (builder, wall / 1e9);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_object (builder);
  bench_json_add_stats (builder, "info", info_samples);
  bench_json_add_stats (builder, "getid", getid_samples);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  bench_json_print (builder);
  return 0;

fail:
  g_printerr ("kmodd-bench info-all: %s\n", error->message);
  return 1;
}

/* ---- waiting -------------------------------------------------------------------------- */

int
bench_mode_wait_name (int    argc,
                      char **argv)
{
  g_autofree char *name = NULL;
  double timeout = 30;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Bus name", "NAME" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, "Seconds", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- wait until a name is owned");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  gint64 deadline;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || name == NULL)
    {
      g_printerr ("kmodd-bench wait-name: %s\n", error ? error->message : "--name is needed");
      return 2;
    }
  deadline = bench_now_ns () + (gint64) (timeout * 1e9);
  while (connection == NULL)
    {
      g_clear_error (&error);
      connection = bench_connect (&error);
      if (connection == NULL)
        {
          if (bench_now_ns () > deadline)
            goto fail;
          bench_sleep_ms (10);
        }
    }
  for (;;)
    {
      g_autoptr(GVariant) reply = NULL;

      g_clear_error (&error);
      reply = bench_call (connection, KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH,
                          KMODD_BUS_DRIVER_INTERFACE, "GetNameOwner",
                          g_variant_new ("(s)", name), &error);
      if (reply != NULL)
        {
          g_print ("{\"mode\": \"wait-name\", \"name\": \"%s\"}\n", name);
          return 0;
        }
      if (bench_now_ns () > deadline)
        goto fail;
      bench_sleep_ms (10);
    }

fail:
  g_printerr ("kmodd-bench wait-name: %s not owned within %g s: %s\n", name, timeout,
              error ? error->message : "");
  return 1;
}

/* Waits until List shows @count modules (with --devices: until Devices
 * shows @count devices), twice 100 ms apart: the daemon has taken in the
 * uevents of a setup that changed the kernel behind its back. */
int
bench_mode_wait_list (int    argc,
                      char **argv)
{
  int count = -1;
  double timeout = 60;
  gboolean devices = FALSE;
  const GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Modules expected", "N" },
    { "devices", 0, 0, G_OPTION_ARG_NONE, &devices, "Count Devices' devices instead", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, "Seconds", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- wait until List shows N modules");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  gint64 deadline;
  int stable = 0;
  gint64 n = -1;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || count < 0)
    {
      g_printerr ("kmodd-bench wait-list: %s\n", error ? error->message : "--count is needed");
      return 2;
    }
  connection = bench_connect (&error);
  if (connection == NULL)
    {
      g_printerr ("kmodd-bench wait-list: %s\n", error->message);
      return 1;
    }
  deadline = bench_now_ns () + (gint64) (timeout * 1e9);
  while (stable < 2)
    {
      n = count_entries (connection, devices ? "Devices" : "List", &error);
      if (n < 0)
        {
          g_printerr ("kmodd-bench wait-list: %s\n", error->message);
          return 1;
        }
      stable = n == count ? stable + 1 : 0;
      if (bench_now_ns () > deadline)
        {
          g_printerr ("kmodd-bench wait-list: %s shows %" G_GINT64_FORMAT
                      " entries, not %d\n", devices ? "Devices" : "List", n, count);
          return 1;
        }
      bench_sleep_ms (100);
    }
  g_print ("{\"mode\": \"wait-list\", \"modules\": %" G_GINT64_FORMAT "}\n", n);
  return 0;
}
