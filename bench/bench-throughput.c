/* bench-throughput.c: many calls at once: the throughput of concurrent
 * client processes, and the daemon's memory across 100,000 calls.
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
read_all (int   fd,
          void *buf,
          gsize len)
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
  g_autoptr(GArray) calls = bench_make_calls (rows, info_name, 0);
  BurstResult result = { 0, connection != NULL && calls != NULL };
  guint i;
  int w;

  /* warm: the first calls of a connection pay for match rules, caches... */
  for (w = 0; result.ok && w < 20; w++)
    for (i = 0; result.ok && i < calls->len; i++)
      result.ok = bench_do_call (connection, &g_array_index (calls, Call, i), NULL, &error);
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
          result.ok = bench_do_call (connection, call, &ns, &error);
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
      if (bench_find_spec (row_names[r]) == NULL)
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
  g_autoptr(GArray) calls = bench_make_calls ("list,info", worker->info_name, 0);
  guint i;

  for (i = 0; i < worker->calls; i++)
    if (!bench_do_call (worker->connection, &g_array_index (calls, Call, i % 2), NULL, &worker->error))
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
