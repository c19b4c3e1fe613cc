/* bench-process.c: whole processes against each other (kmodctl list and
 * lsmod, the client library and modprobe/rmmod) and the latency of
 * ModuleLoaded (bench-start.c: the time from spawning a service to its bus name).
 *
 * Paired figures are measured interleaved, A B A B ..., so that drift hits
 * both alike; a pause (--settle-ms) between two measurements lets the
 * system take in the uevents and signals of the one before.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-modes.h"
#include "bench-util.h"
#include "kmodd-names.h"
#include "kmodd.h"

/* ---- helpers ---------------------------------------------------------------- */

static GPtrArray *
parse_commands (char   **commands,
                GError **error)
{
  g_autoptr(GPtrArray) argvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  guint i;

  for (i = 0; commands != NULL && commands[i] != NULL; i++)
    {
      char **argv = NULL;

      if (!g_shell_parse_argv (commands[i], NULL, &argv, error))
        return NULL;
      g_ptr_array_add (argvs, argv);
    }
  return g_steal_pointer (&argvs);
}

static gboolean
module_is_loaded (const char *module)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len = strlen (module);
  guint i;

  if (!g_file_get_contents ("/proc/modules", &contents, NULL, NULL))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], module, len) == 0 && lines[i][len] == ' ')
      return TRUE;
  return FALSE;
}

static void
add_ratio (JsonBuilder *builder,
           const char  *name,
           GArray      *a,
           GArray      *b)
{
  double mb = bench_percentile (b, 50);

  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, mb > 0 ? bench_percentile (a, 50) / mb : 0.0);
}

/* ---- proc: two commands (or sequences of commands) against each other ------------ */

int
bench_mode_proc (int    argc,
                 char **argv)
{
  int reps = 30;
  int warmup = 3;
  int settle_ms = 0;
  char **commands[4] = { NULL, };
  const char *labels[4] = { "a", "b", "c", "d" };
  const GOptionEntry entries[] = {
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Rounds measured", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Rounds not measured", "N" },
    { "settle-ms", 0, 0, G_OPTION_ARG_INT, &settle_ms, "Pause between measurements", "MS" },
    { "a", 0, 0, G_OPTION_ARG_STRING_ARRAY, &commands[0], "A: a command (repeat for a sequence)", "CMD" },
    { "b", 0, 0, G_OPTION_ARG_STRING_ARRAY, &commands[1], "B: the reference", "CMD" },
    { "c", 0, 0, G_OPTION_ARG_STRING_ARRAY, &commands[2], "C: another reference (optional)", "CMD" },
    { "d", 0, 0, G_OPTION_ARG_STRING_ARRAY, &commands[3], "D: another reference (optional)", "CMD" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- commands, interleaved A B C D A B ...");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GPtrArray *argvs[4] = { NULL, };
  GArray *samples[4] = { NULL, };
  guint n = 0;
  int status = 1;
  guint k;
  int i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      commands[0] == NULL || commands[1] == NULL)
    {
      g_printerr ("kmodd-bench proc: %s\n", error ? error->message : "--a and --b are needed");
      status = 2;
      goto out;
    }
  for (k = 0; k < G_N_ELEMENTS (commands) && commands[k] != NULL; k++, n++)
    {
      argvs[k] = parse_commands (commands[k], &error);
      if (argvs[k] == NULL)
        goto fail;
      samples[k] = bench_samples_new ((guint) reps);
    }

  for (i = -warmup; i < reps; i++)
    {
      for (k = 0; k < n; k++)
        {
          gint64 t0 = bench_now_ns ();
          gint64 t1;

          if (!bench_run_sequence (argvs[k], &error))
            goto fail;
          t1 = bench_now_ns ();
          if (i >= 0)
            bench_samples_add_ns (samples[k], t1 - t0);
          bench_sleep_ms ((guint) settle_ms);
        }
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "proc");
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, "us");
  for (k = 0; k < n; k++)
    {
      g_autofree char *line = g_strjoinv (" ; ", commands[k]);

      json_builder_set_member_name (builder, labels[k]);
      json_builder_add_string_value (builder, line);
    }
  add_ratio (builder, "ratio", samples[0], samples[1]);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_object (builder);
  for (k = 0; k < n; k++)
    bench_json_add_stats (builder, labels[k], samples[k]);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  bench_json_print (builder);
  status = 0;
  goto out;

fail:
  g_printerr ("kmodd-bench proc: %s\n", error->message);
out:
  for (k = 0; k < G_N_ELEMENTS (commands); k++)
    {
      g_strfreev (commands[k]);
      g_clear_pointer (&argvs[k], g_ptr_array_unref);
      g_clear_pointer (&samples[k], g_array_unref);
    }
  return status;
}

/* A minimal GIO bus client as a whole process: connect to the system bus,
 * one GetId, exit. The floor of any command-line client of a D-Bus service. */
int
bench_mode_call_once (int    argc,
                      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  g_autoptr(GVariant) reply = NULL;

  if (connection != NULL)
    reply = bench_call (connection, KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH,
                        KMODD_BUS_DRIVER_INTERFACE, "GetId", NULL, &error);
  if (reply == NULL)
    {
      g_printerr ("kmodd-bench call-once: %s\n", error->message);
      return 1;
    }
  return 0;
}

/* ---- Load + Unload through libkmodd against modprobe + rmmod ------------------------ */

static gboolean
client_load_unload (KmoddClient *client,
                    const char  *module,
                    gint64      *out_load_ns,
                    gint64      *out_unload_ns,
                    GError     **error)
{
  g_auto(GStrv) inserted = NULL;
  g_auto(GStrv) removed = NULL;
  gint64 t0 = bench_now_ns ();
  gint64 t1;
  gint64 t2;

  inserted = kmodd_client_load_sync (client, module, NULL, KMODD_LOAD_FLAGS_NONE, NULL, error);
  if (inserted == NULL)
    return FALSE;
  t1 = bench_now_ns ();
  removed = kmodd_client_unload_sync (client, module, KMODD_UNLOAD_FLAGS_NONE, NULL, error);
  if (removed == NULL)
    return FALSE;
  t2 = bench_now_ns ();
  if (!g_strv_contains ((const char * const *) inserted, module) ||
      !g_strv_contains ((const char * const *) removed, module))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s was loaded before the measurement (inserted %u, removed %u)",
                   module, g_strv_length (inserted), g_strv_length (removed));
      return FALSE;
    }
  *out_load_ns = t1 - t0;
  *out_unload_ns = t2 - t1;
  return TRUE;
}

int
bench_mode_load_unload (int    argc,
                        char **argv)
{
  int reps = 30;
  int warmup = 2;
  int settle_ms = 100;
  g_autofree char *module = NULL;
  const GOptionEntry entries[] = {
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Pairs measured", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Pairs not measured", "N" },
    { "settle-ms", 0, 0, G_OPTION_ARG_INT, &settle_ms, "Pause between measurements", "MS" },
    { "module", 0, 0, G_OPTION_ARG_STRING, &module, "Module (default dummy)", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Load+Unload against modprobe+rmmod");
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(GPtrArray) tools = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GArray) client_samples = bench_samples_new ((guint) reps);
  g_autoptr(GArray) client_load = bench_samples_new ((guint) reps);
  g_autoptr(GArray) client_unload = bench_samples_new ((guint) reps);
  g_autoptr(GArray) tool_samples = bench_samples_new ((guint) reps);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  int i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodd-bench load-unload: %s\n", error->message);
      return 2;
    }
  if (module == NULL)
    module = g_strdup ("dummy");
  g_ptr_array_add (tools, g_strdupv ((char *[]) { (char *) "modprobe", module, NULL }));
  g_ptr_array_add (tools, g_strdupv ((char *[]) { (char *) "rmmod", module, NULL }));

  if (module_is_loaded (module))
    {
      g_printerr ("kmodd-bench load-unload: %s is loaded; unload it first\n", module);
      return 1;
    }

  /* a warm client: connected, the service started, its properties read */
  client = kmodd_client_new_sync (NULL, &error);
  if (client == NULL)
    goto fail;

  for (i = -warmup; i < reps; i++)
    {
      gint64 load_ns;
      gint64 unload_ns;
      gint64 t0;
      gint64 t1;

      if (!client_load_unload (client, module, &load_ns, &unload_ns, &error))
        goto fail;
      if (i >= 0)
        {
          bench_samples_add_ns (client_samples, load_ns + unload_ns);
          bench_samples_add_ns (client_load, load_ns);
          bench_samples_add_ns (client_unload, unload_ns);
        }
      bench_sleep_ms ((guint) settle_ms);

      t0 = bench_now_ns ();
      if (!bench_run_sequence (tools, &error))
        goto fail;
      t1 = bench_now_ns ();
      if (i >= 0)
        bench_samples_add_ns (tool_samples, t1 - t0);
      bench_sleep_ms ((guint) settle_ms);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "load-unload");
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, "us");
  json_builder_set_member_name (builder, "module");
  json_builder_add_string_value (builder, module);
  add_ratio (builder, "ratio", client_samples, tool_samples);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_object (builder);
  bench_json_add_stats (builder, "client", client_samples);
  bench_json_add_stats (builder, "client_load", client_load);
  bench_json_add_stats (builder, "client_unload", client_unload);
  bench_json_add_stats (builder, "tools", tool_samples);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  bench_json_print (builder);
  return 0;

fail:
  g_printerr ("kmodd-bench load-unload: %s\n", error->message);
  return 1;
}

/* ---- ModuleLoaded after an external modprobe ------------------------------------------ */

typedef struct {
  GMainContext *context;
  const char   *module;
  const char   *signal;   /* the one waited for */
  gint64        signal_ns;
  gint64        exit_ns;  /* written by the waiter thread */
  gint          exited;
  pid_t         pid;
  int           status;
} Watch;

static void
on_module_signal (GDBusConnection *connection,
                  const char      *sender_name,
                  const char      *object_path,
                  const char      *interface_name,
                  const char      *signal_name,
                  GVariant        *parameters,
                  gpointer         user_data)
{
  Watch *watch = user_data;
  gint64 now = bench_now_ns ();
  const char *name = NULL;

  g_variant_get (parameters, "(&s@a{sv})", &name, NULL);
  if (watch->signal != NULL && watch->signal_ns == 0 &&
      g_str_equal (signal_name, watch->signal) && g_str_equal (name, watch->module))
    watch->signal_ns = now;
}

static gpointer
waiter_thread (gpointer data)
{
  Watch *watch = data;

  bench_wait (watch->pid, &watch->status);
  watch->exit_ns = bench_now_ns ();
  g_atomic_int_set (&watch->exited, 1);
  g_main_context_wakeup (watch->context);
  return NULL;
}

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs @argv, waits for it and for @signal about @module; the signal's
 * latency after the process returned (negative: it came first), and after
 * the spawn. */
static gboolean
watch_once (Watch      *watch,
            const char *signal,
            const char *tool,
            gint64     *out_after_exit_ns,
            gint64     *out_after_spawn_ns,
            GError    **error)
{
  char *argv[] = { (char *) tool, (char *) watch->module, NULL };
  gboolean timed_out = FALSE;
  GSource *timeout;
  GThread *thread;
  gint64 t0;

  watch->signal = signal;
  watch->signal_ns = 0;
  watch->exit_ns = 0;
  g_atomic_int_set (&watch->exited, 0);

  t0 = bench_now_ns ();
  watch->pid = bench_spawn (argv, NULL, TRUE);
  if (watch->pid < 0)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "cannot run %s", tool);
      return FALSE;
    }
  thread = g_thread_new ("waiter", waiter_thread, watch);

  timeout = g_timeout_source_new_seconds (20);
  g_source_set_callback (timeout, on_timeout, &timed_out, NULL);
  g_source_attach (timeout, watch->context);
  while (!timed_out && (watch->signal_ns == 0 || !g_atomic_int_get (&watch->exited)))
    g_main_context_iteration (watch->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_thread_join (thread);
  watch->signal = NULL;

  if (!WIFEXITED (watch->status) || WEXITSTATUS (watch->status) != 0)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s %s failed (wait status %d)",
                   tool, watch->module, watch->status);
      return FALSE;
    }
  if (timed_out)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no %s(%s) within 20 s of %s",
                   signal, watch->module, tool);
      return FALSE;
    }
  *out_after_exit_ns = watch->signal_ns - watch->exit_ns;
  *out_after_spawn_ns = watch->signal_ns - t0;
  return TRUE;
}

int
bench_mode_signal_latency (int    argc,
                           char **argv)
{
  int reps = 30;
  int warmup = 2;
  int settle_ms = 100;
  g_autofree char *module = NULL;
  const GOptionEntry entries[] = {
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Measurements", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Not measured", "N" },
    { "settle-ms", 0, 0, G_OPTION_ARG_INT, &settle_ms, "Pause between measurements", "MS" },
    { "module", 0, 0, G_OPTION_ARG_STRING, &module, "Module (default dummy)", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- ModuleLoaded after modprobe");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GMainContext) main_context = g_main_context_new ();
  g_autoptr(GVariant) options = bench_empty_options ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GArray) loaded = bench_samples_new ((guint) reps);
  g_autoptr(GArray) loaded_spawn = bench_samples_new ((guint) reps);
  g_autoptr(GArray) unloaded = bench_samples_new ((guint) reps);
  g_autoptr(GArray) unloaded_spawn = bench_samples_new ((guint) reps);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  Watch watch = { 0, };
  guint early = 0;
  guint subscription;
  int i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodd-bench signal-latency: %s\n", error->message);
      return 2;
    }
  if (module == NULL)
    module = g_strdup ("dummy");
  if (module_is_loaded (module))
    {
      g_printerr ("kmodd-bench signal-latency: %s is loaded; unload it first\n", module);
      return 1;
    }

  watch.context = main_context;
  watch.module = module;
  g_main_context_push_thread_default (main_context);
  connection = bench_connect (&error);
  if (connection == NULL)
    goto fail;
  subscription = g_dbus_connection_signal_subscribe (connection, KMODD_DBUS_NAME,
                                                     KMODD_DBUS_INTERFACE, NULL,
                                                     KMODD_DBUS_PATH, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_module_signal, &watch, NULL);
  /* the service runs (activated if need be), and the match rule is in
   * place once a later call has come back */
  reply = bench_call (connection, KMODD_DBUS_NAME, KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE,
                      "List", options, &error);
  if (reply == NULL)
    goto fail;

  for (i = -warmup; i < reps; i++)
    {
      gint64 after_exit;
      gint64 after_spawn;

      if (!watch_once (&watch, "ModuleLoaded", "modprobe", &after_exit, &after_spawn, &error))
        goto fail;
      if (i >= 0)
        {
          bench_samples_add_ns (loaded, after_exit);
          bench_samples_add_ns (loaded_spawn, after_spawn);
          if (after_exit < 0)
            early++;
        }
      bench_sleep_ms ((guint) settle_ms);
      if (!watch_once (&watch, "ModuleUnloaded", "rmmod", &after_exit, &after_spawn, &error))
        goto fail;
      if (i >= 0)
        {
          bench_samples_add_ns (unloaded, after_exit);
          bench_samples_add_ns (unloaded_spawn, after_spawn);
        }
      bench_sleep_ms ((guint) settle_ms);
    }
  g_dbus_connection_signal_unsubscribe (connection, subscription);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "signal-latency");
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, "us");
  json_builder_set_member_name (builder, "module");
  json_builder_add_string_value (builder, module);
  json_builder_set_member_name (builder, "loaded_before_exit");
  json_builder_add_int_value (builder, early);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_object (builder);
  bench_json_add_stats (builder, "loaded_after_exit", loaded);
  bench_json_add_stats (builder, "loaded_after_spawn", loaded_spawn);
  bench_json_add_stats (builder, "unloaded_after_exit", unloaded);
  bench_json_add_stats (builder, "unloaded_after_spawn", unloaded_spawn);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  bench_json_print (builder);
  g_main_context_pop_thread_default (main_context);
  return 0;

fail:
  g_printerr ("kmodd-bench signal-latency: %s\n", error->message);
  return 1;
}
