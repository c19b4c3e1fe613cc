/* bench-calls.c: method calls on warm connections: round trips, throughput
 * of concurrent clients, Info over a whole modules directory, the daemon's
 * memory across many calls.
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

#include "bench-modes.h"
#include "bench-util.h"
#include "kmodd-names.h"

/* ---- the calls ------------------------------------------------------------- */

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
};

typedef struct {
  const CallSpec *spec;
  GVariant       *parameters;     /* owned, may be NULL */
  GVariant       *alt_parameters; /* PARAMS_NAME_TOGGLE: every other call */
  guint           n_calls;
  GArray         *samples;
} Call;

static const CallSpec *
find_spec (const char *row)
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
static GArray *
make_calls (const char *rows,
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

      call.spec = find_spec (names[i]);
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

static gboolean
do_call (GDBusConnection *connection,
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
count_modules (GDBusConnection *connection,
               GError         **error)
{
  g_autoptr(GVariant) options = bench_empty_options ();
  g_autoptr(GVariant) reply = bench_call (connection, KMODD_DBUS_NAME, KMODD_DBUS_PATH,
                                          KMODD_DBUS_INTERFACE, "List", options, error);
  g_autoptr(GVariant) modules = NULL;

  if (reply == NULL)
    return -1;
  modules = g_variant_get_child_value (reply, 0);
  return (gint64) g_variant_n_children (modules);
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
    { "rows", 0, 0, G_OPTION_ARG_STRING, &rows, "Calls: getid,ping,blob,iblob,list,info,config,load,setboot", "LIST" },
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
  calls = make_calls (rows, info_name ? info_name : "dummy", (guint) reps);
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
  if ((rows_contain (rows, "blob") || rows_contain (rows, "iblob")) &&
      !capture_blob (connection, info_name ? info_name : "dummy", &blob_count, &error))
    goto fail;

  for (i = 0; i < warmup; i++)
    {
      guint j;

      for (j = 0; j < n; j++)
        if (!do_call (connection, &g_array_index (calls, Call, j), NULL, &error))
          goto fail;
    }

  for (i = 0; i < reps; i++)
    {
      guint j;

      for (j = 0; j < n; j++)
        {
          Call *call = &g_array_index (calls, Call, (i + j) % n);
          gint64 ns;

          if (!do_call (connection, call, &ns, &error))
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

/* ---- throughput ------------------------------------------------------------------ */

/* The parent forks the clients before it touches GDBus (no threads yet);
 * each client has its own process and connection, so nothing in GDBus is
 * shared between them. For each burst the parent sends every client the
 * same window [start, end) on CLOCK_MONOTONIC; a client calls as fast as
 * it can inside it and reports the calls that completed inside it. */

typedef struct {
  int    row;     /* index in the client's calls; -1: quit */
  gint64 start_ns;
  gint64 end_ns;
} Burst;

typedef struct {
  guint64 count;
  int     ok;
} BurstResult;

typedef struct {
  pid_t pid;
  int   to_child;
  int   from_child;
} Client;

static gboolean
write_all (int         fd,
           const void *buf,
           gsize       len)
{
  const char *p = buf;

  while (len > 0)
    {
      ssize_t w = write (fd, p, len);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      p += w;
      len -= (gsize) w;
    }
  return TRUE;
}

static gboolean
read_all (int    fd,
          void  *buf,
          gsize  len)
{
  char *p = buf;

  while (len > 0)
    {
      ssize_t r = read (fd, p, len);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return FALSE;
      p += r;
      len -= (gsize) r;
    }
  return TRUE;
}

static void
sleep_until (gint64 t_ns)
{
  gint64 now = bench_now_ns ();

  if (t_ns > now)
    {
      struct timespec ts = { (t_ns - now) / 1000000000, (t_ns - now) % 1000000000 };

      while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
        ;
    }
}

G_GNUC_NORETURN static void
client_main (const char *rows,
             const char *info_name,
             int         from_parent,
             int         to_parent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = bench_connect (&error);
  g_autoptr(GArray) calls = make_calls (rows, info_name, 0);
  BurstResult result = { 0, connection != NULL && calls != NULL };
  guint i;
  int w;

  /* warm: the first calls of a connection pay for match rules, caches... */
  for (w = 0; result.ok && w < 20; w++)
    for (i = 0; result.ok && i < calls->len; i++)
      result.ok = do_call (connection, &g_array_index (calls, Call, i), NULL, &error);
  if (!result.ok)
    g_printerr ("kmodd-bench throughput client: %s\n",
                error ? error->message : "cannot start");
  write_all (to_parent, &result, sizeof result);
  if (!result.ok)
    _exit (1);

  for (;;)
    {
      Burst burst;
      Call *call;

      if (!read_all (from_parent, &burst, sizeof burst) || burst.row < 0)
        break;
      call = &g_array_index (calls, Call, burst.row);
      result.count = 0;
      sleep_until (burst.start_ns);
      while (result.ok)
        {
          gint64 ns;

          if (bench_now_ns () >= burst.end_ns)
            break;
          result.ok = do_call (connection, call, &ns, &error);
          if (result.ok && bench_now_ns () <= burst.end_ns)
            result.count++;
        }
      if (!result.ok)
        g_printerr ("kmodd-bench throughput client: %s\n", error->message);
      write_all (to_parent, &result, sizeof result);
      if (!result.ok)
        break;
    }
  _exit (result.ok ? 0 : 1);
}

int
bench_mode_throughput (int    argc,
                       char **argv)
{
  int n_clients = 8;
  int rounds = 10;
  double seconds = 0.5;
  g_autofree char *rows = NULL;
  g_autofree char *info_name = NULL;
  const GOptionEntry entries[] = {
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "Concurrent clients (processes)", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Bursts of each call", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Length of a burst", "S" },
    { "rows", 0, 0, G_OPTION_ARG_STRING, &rows, "Calls: getid,ping,list,...", "LIST" },
    { "info-name", 0, 0, G_OPTION_ARG_STRING, &info_name, "Module for Info", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- throughput of concurrent clients");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_auto(GStrv) row_names = NULL;
  g_autofree Client *clients = NULL;
  g_autoptr(GPtrArray) per_row = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  guint n_rows;
  gboolean ok = TRUE;
  int c;
  int r;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodd-bench throughput: %s\n", error->message);
      return 2;
    }
  if (rows == NULL)
    rows = g_strdup ("getid,ping,list");
  if (info_name == NULL)
    info_name = g_strdup ("dummy");
  row_names = g_strsplit (rows, ",", -1);
  n_rows = g_strv_length (row_names);
  for (r = 0; r < (int) n_rows; r++)
    {
      if (find_spec (row_names[r]) == NULL)
        {
          g_printerr ("kmodd-bench: unknown row “%s”\n", row_names[r]);
          return 2;
        }
      g_ptr_array_add (per_row, bench_samples_new ((guint) rounds));
    }

  signal (SIGPIPE, SIG_IGN);
  clients = g_new0 (Client, n_clients);
  for (c = 0; c < n_clients; c++)
    {
      int down[2];
      int up[2];
      pid_t pid;

      if (pipe (down) < 0 || pipe (up) < 0)
        {
          g_printerr ("kmodd-bench throughput: pipe: %s\n", g_strerror (errno));
          return 1;
        }
      pid = fork ();
      if (pid < 0)
        {
          g_printerr ("kmodd-bench throughput: fork: %s\n", g_strerror (errno));
          return 1;
        }
      if (pid == 0)
        {
          int k;

          for (k = 0; k < c; k++)
            {
              close (clients[k].to_child);
              close (clients[k].from_child);
            }
          close (down[1]);
          close (up[0]);
          client_main (rows, info_name, down[0], up[1]);
        }
      close (down[0]);
      close (up[1]);
      clients[c].pid = pid;
      clients[c].to_child = down[1];
      clients[c].from_child = up[0];
    }

  for (c = 0; c < n_clients; c++)
    {
      BurstResult ready = { 0, 0 };

      if (!read_all (clients[c].from_child, &ready, sizeof ready) || !ready.ok)
        ok = FALSE;
    }

  for (r = 0; ok && r < rounds; r++)
    {
      guint k;

      for (k = 0; ok && k < n_rows; k++)
        {
          guint row = (r + k) % n_rows; /* rotate the order */
          Burst burst = { (int) row, 0, 0 };
          guint64 total = 0;
          double per_second;

          burst.start_ns = bench_now_ns () + 20 * 1000 * 1000;
          burst.end_ns = burst.start_ns + (gint64) (seconds * 1e9);
          for (c = 0; c < n_clients; c++)
            ok &= write_all (clients[c].to_child, &burst, sizeof burst);
          for (c = 0; c < n_clients; c++)
            {
              BurstResult result = { 0, 0 };

              if (!read_all (clients[c].from_child, &result, sizeof result) || !result.ok)
                ok = FALSE;
              total += result.count;
            }
          per_second = (double) total / seconds;
          g_array_append_val (g_ptr_array_index (per_row, row), per_second);
        }
    }

  for (c = 0; c < n_clients; c++)
    {
      Burst quit = { -1, 0, 0 };

      write_all (clients[c].to_child, &quit, sizeof quit);
      close (clients[c].to_child);
      close (clients[c].from_child);
      if (!bench_wait (clients[c].pid, NULL))
        ok = FALSE;
    }
  if (!ok)
    {
      g_printerr ("kmodd-bench throughput: a client failed\n");
      return 1;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "throughput");
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, "calls/s");
  json_builder_set_member_name (builder, "clients");
  json_builder_add_int_value (builder, n_clients);
  json_builder_set_member_name (builder, "seconds");
  json_builder_add_double_value (builder, seconds);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_object (builder);
  for (r = 0; r < (int) n_rows; r++)
    bench_json_add_stats (builder, row_names[r], g_ptr_array_index (per_row, r));
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  bench_json_print (builder);
  return 0;
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
      if (!do_call (connection, &getid, &ns, &error))
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

/* ---- memory ------------------------------------------------------------------------- */

typedef struct {
  GDBusConnection *connection;
  const char      *info_name;
  guint            calls;
  GError          *error;
} Worker;

/* Alternates List and Info. */
static gpointer
memory_worker (gpointer data)
{
  Worker *worker = data;
  g_autoptr(GArray) calls = make_calls ("list,info", worker->info_name, 0);
  guint i;

  for (i = 0; i < worker->calls; i++)
    if (!do_call (worker->connection, &g_array_index (calls, Call, i % 2), NULL, &worker->error))
      break;
  return NULL;
}

static void
add_memory_reading (JsonBuilder *builder,
                    pid_t        pid,
                    guint        calls)
{
  g_autofree char *rollup = g_strdup_printf ("/proc/%d/smaps_rollup", (int) pid);
  g_autofree char *status = g_strdup_printf ("/proc/%d/status", (int) pid);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "calls");
  json_builder_add_int_value (builder, calls);
  json_builder_set_member_name (builder, "private_dirty_kib");
  json_builder_add_int_value (builder, bench_proc_kib (rollup, "Private_Dirty"));
  json_builder_set_member_name (builder, "private_clean_kib");
  json_builder_add_int_value (builder, bench_proc_kib (rollup, "Private_Clean"));
  json_builder_set_member_name (builder, "anonymous_kib");
  json_builder_add_int_value (builder, bench_proc_kib (rollup, "Anonymous"));
  json_builder_set_member_name (builder, "pss_kib");
  json_builder_add_int_value (builder, bench_proc_kib (rollup, "Pss"));
  json_builder_set_member_name (builder, "rss_kib");
  json_builder_add_int_value (builder, bench_proc_kib (rollup, "Rss"));
  json_builder_set_member_name (builder, "vmrss_kib");
  json_builder_add_int_value (builder, bench_proc_kib (status, "VmRSS"));
  json_builder_set_member_name (builder, "vmhwm_kib");
  json_builder_add_int_value (builder, bench_proc_kib (status, "VmHWM"));
  json_builder_end_object (builder);
}

int
bench_mode_memory (int    argc,
                   char **argv)
{
  int pid = 0;
  int n_threads = 4;
  g_autofree char *checkpoints_text = NULL;
  g_autofree char *info_name = NULL;
  const GOptionEntry entries[] = {
    { "pid", 0, 0, G_OPTION_ARG_INT, &pid, "The daemon's pid", "PID" },
    { "checkpoints", 0, 0, G_OPTION_ARG_STRING, &checkpoints_text,
      "Read the memory after these many calls (default 10000,100000)", "N,N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &n_threads, "Callers, each with its own connection", "N" },
    { "info-name", 0, 0, G_OPTION_ARG_STRING, &info_name, "Module for Info", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the daemon's memory");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) checkpoints = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree GDBusConnection **connections = NULL;
  guint done = 0;
  gint64 t0;
  guint i;
  int t;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || pid <= 0 || n_threads <= 0)
    {
      g_printerr ("kmodd-bench memory: %s\n", error ? error->message : "--pid is needed");
      return 2;
    }
  checkpoints = bench_parse_uint_list (checkpoints_text ? checkpoints_text : "10000,100000");
  if (info_name == NULL)
    info_name = g_strdup ("dummy");

  connections = g_new0 (GDBusConnection *, n_threads);
  for (t = 0; t < n_threads; t++)
    {
      connections[t] = bench_connect (&error);
      if (connections[t] == NULL)
        {
          g_printerr ("kmodd-bench memory: %s\n", error->message);
          return 1;
        }
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "memory");
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, pid);
  json_builder_set_member_name (builder, "readings");
  json_builder_begin_array (builder);
  add_memory_reading (builder, pid, 0);

  t0 = bench_now_ns ();
  for (i = 0; i < checkpoints->len; i++)
    {
      guint target = g_array_index (checkpoints, guint, i);
      guint todo = target - done;
      g_autofree Worker *workers = g_new0 (Worker, n_threads);
      g_autofree GThread **threads = g_new0 (GThread *, n_threads);

      for (t = 0; t < n_threads; t++)
        {
          workers[t].connection = connections[t];
          workers[t].info_name = info_name;
          workers[t].calls = todo / n_threads + ((guint) t < todo % n_threads ? 1 : 0);
          threads[t] = g_thread_new ("caller", memory_worker, &workers[t]);
        }
      for (t = 0; t < n_threads; t++)
        {
          g_thread_join (threads[t]);
          if (workers[t].error != NULL)
            {
              g_printerr ("kmodd-bench memory: %s\n", workers[t].error->message);
              return 1;
            }
        }
      done = target;
      /* let the daemon finish what the last replies left (idle sources) */
      bench_sleep_ms (200);
      add_memory_reading (builder, pid, done);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "calls_s");
  json_builder_add_double_value (builder, (bench_now_ns () - t0) / 1e9);
  json_builder_end_object (builder);
  bench_json_print (builder);

  for (t = 0; t < n_threads; t++)
    g_object_unref (connections[t]);
  return 0;
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

/* Waits until List shows @count modules, twice 100 ms apart: the daemon has
 * taken in the uevents of a setup that loaded modules behind its back. */
int
bench_mode_wait_list (int    argc,
                      char **argv)
{
  int count = -1;
  double timeout = 60;
  const GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Modules expected", "N" },
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
      n = count_modules (connection, &error);
      if (n < 0)
        {
          g_printerr ("kmodd-bench wait-list: %s\n", error->message);
          return 1;
        }
      stable = n == count ? stable + 1 : 0;
      if (bench_now_ns () > deadline)
        {
          g_printerr ("kmodd-bench wait-list: List shows %" G_GINT64_FORMAT
                      " modules, not %d\n", n, count);
          return 1;
        }
      bench_sleep_ms (100);
    }
  g_print ("{\"mode\": \"wait-list\", \"modules\": %" G_GINT64_FORMAT "}\n", n);
  return 0;
}
