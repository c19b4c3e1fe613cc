/* bench-util.c: clock, statistics, JSON output and process helpers of
 * kmodd-bench.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

extern char **environ;

gint64
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

void
bench_sleep_ms (guint ms)
{
  g_usleep ((gulong) ms * 1000);
}

/* ---- statistics -------------------------------------------------------- */

GArray *
bench_samples_new (guint reserve)
{
  return g_array_sized_new (FALSE, FALSE, sizeof (double), reserve);
}

void
bench_samples_add_ns (GArray *samples,
                      gint64  ns)
{
  double us = (double) ns / 1000.0;

  g_array_append_val (samples, us);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* Linear interpolation between closest ranks (numpy's default). */
double
bench_percentile (GArray *samples,
                  double  p)
{
  double rank;
  guint lo;
  double frac;

  if (samples->len == 0)
    return 0.0;
  g_array_sort (samples, compare_double);
  rank = p / 100.0 * (samples->len - 1);
  lo = (guint) rank;
  frac = rank - lo;
  if (lo + 1 >= samples->len)
    return g_array_index (samples, double, samples->len - 1);
  return g_array_index (samples, double, lo) * (1.0 - frac) +
         g_array_index (samples, double, lo + 1) * frac;
}

void
bench_json_add_stats (JsonBuilder *builder,
                      const char  *name,
                      GArray      *samples)
{
  static const struct {
    const char *key;
    double      p;
  } points[] = {
    { "min", 0 }, { "p10", 10 }, { "p25", 25 }, { "median", 50 },
    { "p75", 75 }, { "p90", 90 }, { "p99", 99 }, { "max", 100 },
  };
  double sum = 0.0;
  guint i;

  for (i = 0; i < samples->len; i++)
    sum += g_array_index (samples, double, i);

  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "n");
  json_builder_add_int_value (builder, samples->len);
  for (i = 0; i < G_N_ELEMENTS (points); i++)
    {
      json_builder_set_member_name (builder, points[i].key);
      json_builder_add_double_value (builder, bench_percentile (samples, points[i].p));
    }
  json_builder_set_member_name (builder, "mean");
  json_builder_add_double_value (builder, samples->len ? sum / samples->len : 0.0);
  json_builder_end_object (builder);
}

void
bench_json_print (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* ---- D-Bus --------------------------------------------------------------- */

GDBusConnection *
bench_connect (GError **error)
{
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, error);

  if (address == NULL)
    return NULL;
  return g_dbus_connection_new_for_address_sync (address,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, error);
}

GVariant *
bench_empty_options (void)
{
  return g_variant_ref_sink (g_variant_new_parsed ("(@a{sv} {},)"));
}

GVariant *
bench_call (GDBusConnection *connection,
            const char      *destination,
            const char      *path,
            const char      *interface,
            const char      *method,
            GVariant        *parameters,
            GError         **error)
{
  return g_dbus_connection_call_sync (connection, destination, path, interface, method,
                                      parameters, NULL, G_DBUS_CALL_FLAGS_NONE, 60000,
                                      NULL, error);
}

/* ---- processes ------------------------------------------------------------ */

pid_t
bench_spawn (char * const *argv,
             char * const *envp,
             gboolean      quiet)
{
  posix_spawn_file_actions_t actions;
  pid_t pid;
  int r;

  posix_spawn_file_actions_init (&actions);
  if (quiet)
    {
      posix_spawn_file_actions_addopen (&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
      posix_spawn_file_actions_addopen (&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }
  posix_spawn_file_actions_addopen (&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  r = posix_spawnp (&pid, argv[0], &actions, NULL, argv, envp ? envp : environ);
  posix_spawn_file_actions_destroy (&actions);
  if (r != 0)
    {
      g_printerr ("kmodd-bench: cannot run %s: %s\n", argv[0], g_strerror (r));
      return -1;
    }
  return pid;
}

gboolean
bench_wait (pid_t pid,
            int  *out_status)
{
  int status = 0;

  while (waitpid (pid, &status, 0) < 0)
    {
      if (errno != EINTR)
        return FALSE;
    }
  if (out_status)
    *out_status = status;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

gboolean
bench_run_sequence (GPtrArray *argvs,
                    GError   **error)
{
  guint i;

  for (i = 0; i < argvs->len; i++)
    {
      char **argv = g_ptr_array_index (argvs, i);
      pid_t pid = bench_spawn (argv, NULL, TRUE);
      int status = 0;

      if (pid < 0 || !bench_wait (pid, &status))
        {
          g_autofree char *line = g_strjoinv (" ", argv);

          g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                       "“%s” failed (wait status %d)", line, status);
          return FALSE;
        }
    }
  return TRUE;
}

char **
bench_environ_with (char **overrides)
{
  char **env = g_get_environ ();
  guint i;

  for (i = 0; overrides != NULL && overrides[i] != NULL; i++)
    {
      const char *eq = strchr (overrides[i], '=');
      g_autofree char *key = NULL;

      if (eq == NULL)
        continue;
      key = g_strndup (overrides[i], eq - overrides[i]);
      env = g_environ_setenv (env, key, eq + 1, TRUE);
    }
  return env;
}

/* ---- files ------------------------------------------------------------------ */

gint64
bench_proc_kib (const char *path,
                const char *key)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize key_len = strlen (key);
  guint i;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      if (strncmp (lines[i], key, key_len) == 0 && lines[i][key_len] == ':')
        return g_ascii_strtoll (lines[i] + key_len + 1, NULL, 10);
    }
  return -1;
}

GPtrArray *
bench_module_names (const char *modules_dir,
                    gboolean    leaf_only,
                    GPtrArray **out_paths,
                    GError    **error)
{
  g_autofree char *dep_path = g_build_filename (modules_dir, "modules.dep", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents (dep_path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      g_autofree char *file = NULL;
      g_autofree char *base = NULL;
      char *dot;
      char *p;

      if (colon == NULL)
        continue;
      if (leaf_only)
        {
          g_autofree char *rest = g_strdup (colon + 1);

          if (g_strstrip (rest)[0] != '\0')
            continue; /* has dependencies */
        }
      file = g_strndup (lines[i], colon - lines[i]);
      base = g_path_get_basename (file);
      dot = strstr (base, ".ko");
      if (dot != NULL)
        *dot = '\0';
      for (p = base; *p != '\0'; p++)
        if (*p == '-')
          *p = '_';
      g_ptr_array_add (names, g_steal_pointer (&base));
      g_ptr_array_add (paths, g_path_is_absolute (file) ? g_strdup (file)
                                                        : g_build_filename (modules_dir, file, NULL));
    }

  if (out_paths != NULL)
    *out_paths = g_steal_pointer (&paths);
  return g_steal_pointer (&names);
}

static int
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint x = *(const guint *) a;
  guint y = *(const guint *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

GArray *
bench_parse_uint_list (const char *text)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto(GStrv) parts = g_strsplit (text ? text : "", ",", -1);
  guint i;

  for (i = 0; parts[i] != NULL; i++)
    {
      guint v;

      if (parts[i][0] == '\0')
        continue;
      v = (guint) g_ascii_strtoull (parts[i], NULL, 10);
      g_array_append_val (values, v);
    }
  g_array_sort (values, compare_uint);
  return values;
}
