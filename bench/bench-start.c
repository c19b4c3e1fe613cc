/* bench-start.c: the time from spawning a service to its bus name, and
 * from StartServiceByName through dbus-daemon's launch helper to the
 * name, kmodd against the minimal reference service.
 *
 * The two are measured interleaved, A B A B ..., so that drift hits both
 * alike.
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

/* ---- start: spawn to name owned ---------------------------------------------------------- */

typedef struct {
  const char *name;
  gint64      owned_ns;  /* 0 until the name has an owner */
  gboolean    owned;
} NameWatch;

static void
on_name_owner_changed (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  NameWatch *watch = user_data;
  gint64 now = bench_now_ns ();
  const char *name;
  const char *old_owner;
  const char *new_owner;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (!g_str_equal (name, watch->name))
    return;
  watch->owned = new_owner[0] != '\0';
  if (watch->owned)
    watch->owned_ns = now;
}

static gboolean
name_has_owner (GDBusConnection *connection,
                const char      *name)
{
  g_autoptr(GVariant) reply = bench_call (connection, KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH,
                                          KMODD_BUS_DRIVER_INTERFACE, "NameHasOwner",
                                          g_variant_new ("(s)", name), NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static guint
subscribe_name (GDBusConnection *connection,
                NameWatch       *watch)
{
  guint id = g_dbus_connection_signal_subscribe (connection, KMODD_BUS_DRIVER_NAME,
                                                 KMODD_BUS_DRIVER_INTERFACE, "NameOwnerChanged",
                                                 KMODD_BUS_DRIVER_PATH, watch->name,
                                                 G_DBUS_SIGNAL_FLAGS_NONE,
                                                 on_name_owner_changed, watch, NULL);
  /* a call that comes back after the AddMatch: the rule is in place */
  G_GNUC_UNUSED g_autoptr(GVariant) reply = bench_call (connection, KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH,
                                                        KMODD_BUS_DRIVER_INTERFACE, "GetId", NULL, NULL);

  return id;
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* Iterates the thread-default context until the name is (un)owned as
* wanted or @timeout_s passed; with @pid, fails early if it exits. */
static gboolean
wait_for_owner (NameWatch *watch,
                gboolean   owned,
                pid_t      pid,
                double     timeout_s)
{
  gint64 deadline = bench_now_ns () + (gint64) (timeout_s * 1e9);
  GMainContext *context = g_main_context_get_thread_default ();

  while (watch->owned != owned)
    {
      if (bench_now_ns () > deadline)
        return FALSE;
      if (pid > 0 && waitpid (pid, NULL, WNOHANG) == pid)
        return FALSE;
      /* the signal wakes the context; the poll only bounds the wait */
      if (!g_main_context_iteration (context, FALSE))
        {
          GSource *tick = g_timeout_source_new (5);

          g_source_set_callback (tick, on_tick, NULL, NULL);
          g_source_attach (tick, context);
          g_main_context_iteration (context, TRUE);
          g_source_destroy (tick);
          g_source_unref (tick);
        }
    }
  return TRUE;
}

/* One start: spawn, wait for the name, stop it; the time to the name. */
static gboolean
start_once (NameWatch *watch,
            char     **command,
            char     **envp,
            gint64    *out_ns,
            gboolean  *out_clean_exit,
            GError   **error)
{
  gint64 t0;
  pid_t pid;
  int status = 0;

  watch->owned = FALSE;
  watch->owned_ns = 0;
  t0 = bench_now_ns ();
  pid = bench_spawn (command, envp, TRUE);
  if (pid < 0)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "cannot run %s", command[0]);
      return FALSE;
    }
  if (!wait_for_owner (watch, TRUE, pid, 30))
    {
      kill (pid, SIGKILL);
      bench_wait (pid, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%s did not own %s within 30 s (or exited)", command[0], watch->name);
      return FALSE;
    }
  *out_ns = watch->owned_ns - t0;

  kill (pid, SIGTERM);
  *out_clean_exit = bench_wait (pid, &status);
  if (!wait_for_owner (watch, FALSE, 0, 30))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s still owned", watch->name);
      return FALSE;
    }
  return TRUE;
}

int
bench_mode_start_time (int    argc,
                       char **argv)
{
  int reps = 20;
  int warmup = 2;
  g_autofree char *name = NULL;
  g_autofree char *command_line = NULL;
  g_autofree char *ref_name = NULL;
  g_autofree char *ref_command_line = NULL;
  g_auto(GStrv) env = NULL;
  const GOptionEntry entries[] = {
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Starts measured", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Starts not measured", "N" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "The bus name it owns", "NAME" },
    { "command", 0, 0, G_OPTION_ARG_STRING, &command_line, "The service", "CMD" },
    { "ref-name", 0, 0, G_OPTION_ARG_STRING, &ref_name, "The reference's bus name", "NAME" },
    { "ref-command", 0, 0, G_OPTION_ARG_STRING, &ref_command_line,
      "A reference service, started in turn with the other", "CMD" },
    { "env", 0, 0, G_OPTION_ARG_STRING_ARRAY, &env, "KEY=VALUE for both", "KV" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- spawn to bus name owned");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GMainContext) main_context = g_main_context_new ();
  g_autoptr(GArray) samples = bench_samples_new ((guint) reps);
  g_autoptr(GArray) ref_samples = bench_samples_new ((guint) reps);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_auto(GStrv) envp = NULL;
  g_auto(GStrv) command = NULL;
  g_auto(GStrv) ref_command = NULL;
  NameWatch watch = { 0, };
  NameWatch ref_watch = { 0, };
  guint bad_exits = 0;
  guint subscription;
  guint ref_subscription = 0;
  int i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || name == NULL ||
      command_line == NULL || (ref_command_line != NULL && ref_name == NULL))
    {
      g_printerr ("kmodd-bench start-time: %s\n",
                  error ? error->message : "--name and --command are needed "
                                           "(and --ref-name with --ref-command)");
      return 2;
    }
  if (!g_shell_parse_argv (command_line, NULL, &command, &error) ||
      (ref_command_line != NULL &&
       !g_shell_parse_argv (ref_command_line, NULL, &ref_command, &error)))
    goto fail;
  envp = bench_environ_with (env);
  watch.name = name;
  ref_watch.name = ref_name;

  g_main_context_push_thread_default (main_context);
  connection = bench_connect (&error);
  if (connection == NULL)
    goto fail;
  subscription = subscribe_name (connection, &watch);
  if (ref_command != NULL)
    ref_subscription = subscribe_name (connection, &ref_watch);
  if (name_has_owner (connection, name) || (ref_name && name_has_owner (connection, ref_name)))
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s or %s already has an owner",
                   name, ref_name ? ref_name : "-");
      goto fail;
    }

  for (i = -warmup; i < reps; i++)
    {
      gint64 ns;
      gboolean clean;

      if (!start_once (&watch, command, envp, &ns, &clean, &error))
        goto fail;
      if (i >= 0)
        bench_samples_add_ns (samples, ns);
      bad_exits += !clean;

      if (ref_command == NULL)
        continue;
      if (!start_once (&ref_watch, ref_command, envp, &ns, &clean, &error))
        goto fail;
      if (i >= 0)
        bench_samples_add_ns (ref_samples, ns);
    }
  g_dbus_connection_signal_unsubscribe (connection, subscription);
  if (ref_subscription != 0)
    g_dbus_connection_signal_unsubscribe (connection, ref_subscription);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "start-time");
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, "us");
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "bad_exits");
  json_builder_add_int_value (builder, bad_exits);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_object (builder);
  bench_json_add_stats (builder, "start", samples);
  if (ref_command != NULL)
    bench_json_add_stats (builder, "ref_start", ref_samples);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  bench_json_print (builder);
  g_main_context_pop_thread_default (main_context);
  return 0;

fail:
  g_printerr ("kmodd-bench start-time: %s\n", error->message);
  return 1;
}

/* ---- start by bus activation, as on a real system --------------------------------------- */

static gboolean
stop_owner (GDBusConnection *connection,
            NameWatch       *watch,
            GError         **error)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  if (!name_has_owner (connection, watch->name))
    return TRUE;
  watch->owned = TRUE;
  reply = bench_call (connection, KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH,
                      KMODD_BUS_DRIVER_INTERFACE, "GetConnectionUnixProcessID",
                      g_variant_new ("(s)", watch->name), error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u)", &pid);
  if (kill ((pid_t) pid, SIGTERM) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "kill %u: %s", pid, g_strerror (errno));
      return FALSE;
    }
  if (!wait_for_owner (watch, FALSE, 0, 30))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s still owned", watch->name);
      return FALSE;
    }
  /* the pid is not our child: wait until it is gone */
  while (kill ((pid_t) pid, 0) == 0)
    bench_sleep_ms (5);
  return TRUE;
}

int
bench_mode_activation (int    argc,
                       char **argv)
{
  int reps = 10;
  int warmup = 1;
  g_autofree char *name = NULL;
  const GOptionEntry entries[] = {
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Starts measured", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Starts not measured", "N" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Bus name (default kmodd's)", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- StartServiceByName");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GMainContext) main_context = g_main_context_new ();
  g_autoptr(GArray) samples = bench_samples_new ((guint) reps);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  NameWatch watch = { 0, };
  guint subscription;
  int i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodd-bench activation: %s\n", error->message);
      return 2;
    }
  if (name == NULL)
    name = g_strdup (KMODD_DBUS_NAME);
  watch.name = name;

  g_main_context_push_thread_default (main_context);
  connection = bench_connect (&error);
  if (connection == NULL)
    goto fail;
  subscription = subscribe_name (connection, &watch);

  for (i = -warmup; i < reps; i++)
    {
      g_autoptr(GVariant) reply = NULL;
      guint32 result = 0;
      gint64 t0;
      gint64 t1;

      if (!stop_owner (connection, &watch, &error))
        goto fail;
      t0 = bench_now_ns ();
      reply = bench_call (connection, KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH,
                          KMODD_BUS_DRIVER_INTERFACE, "StartServiceByName",
                          g_variant_new ("(su)", name, 0), &error);
      t1 = bench_now_ns ();
      if (reply == NULL)
        goto fail;
      g_variant_get (reply, "(u)", &result);
      if (result != 1) /* DBUS_START_REPLY_SUCCESS */
        {
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "StartServiceByName(%s) answered %u, not 1 (started)", name, result);
          goto fail;
        }
      if (i >= 0)
        bench_samples_add_ns (samples, t1 - t0);
      /* let the signal about the new owner in, before stopping it */
      wait_for_owner (&watch, TRUE, 0, 5);
    }
  g_dbus_connection_signal_unsubscribe (connection, subscription);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, "activation");
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, "us");
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_object (builder);
  bench_json_add_stats (builder, "start", samples);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  bench_json_print (builder);
  g_main_context_pop_thread_default (main_context);
  return 0;

fail:
  g_printerr ("kmodd-bench activation: %s\n", error->message);
  return 1;
}
