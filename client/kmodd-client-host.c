/* kmodd-client-host.c: KmoddClient on another machine's system bus, over
 * `ssh -xT [-p PORT] -- [USER@]HOST systemd-stdio-bridge` as systemd's
 * tools do with -H: GDBus speaks to the bridge through ssh's stdin and
 * stdout; ssh's stderr is the caller's, so that its prompts (host key,
 * password) reach the terminal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-client.h"
#include "kmodd-host.h"
#include "kmodd-private.h"

/* the program run in place of "ssh" when set (the tests' fake ssh) */
#define SSH_ENV "KMODD_SSH"

typedef struct {
  GSubprocess     *ssh;
  GIOStream       *stream;
  GDBusConnection *connection;  /* made, not yet initialized */
  GCancellable    *cancellable; /* cancelled by the caller's and by the timeout */
  GCancellable    *caller;
  gulong           caller_handler;
  GSource         *timeout;
  guint            timeout_sec;
  gboolean         timed_out;
  char            *host;        /* as given, for messages */
  GError          *error;       /* GDBus's, while ssh is waited for */
} Connect;

static void
connect_free (Connect *data)
{
  if (data->caller != NULL)
    g_cancellable_disconnect (data->caller, data->caller_handler);
  g_clear_object (&data->caller);
  if (data->timeout != NULL)
    g_source_destroy (data->timeout);
  g_clear_pointer (&data->timeout, g_source_unref);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->connection);
  g_clear_object (&data->stream);
  g_clear_object (&data->ssh);
  g_clear_error (&data->error);
  g_free (data->host);
  g_free (data);
}

static void
on_caller_cancelled (GCancellable *caller,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static gboolean
on_timeout (gpointer user_data)
{
  Connect *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);
  if (data->ssh != NULL)
    g_subprocess_force_exit (data->ssh);
  return G_SOURCE_REMOVE;
}

static void
return_timed_out (GTask *task)
{
  Connect *data = g_task_get_task_data (task);

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "No answer from %s within %u seconds", data->host,
                           data->timeout_sec);
}

static void
on_ssh_exited (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *data = g_task_get_task_data (task);
  GSubprocess *ssh = G_SUBPROCESS (source);

  (void) g_subprocess_wait_finish (ssh, res, NULL);

  if (data->timed_out)
    return_timed_out (task);
  else if (g_subprocess_get_if_exited (ssh) && g_subprocess_get_exit_status (ssh) != 0)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             "Cannot reach the system bus of %s: ssh exited with status %d",
                             data->host, g_subprocess_get_exit_status (ssh));
  else if (g_subprocess_get_if_signaled (ssh))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             "Cannot reach the system bus of %s: ssh was killed by signal %d",
                             data->host, g_subprocess_get_term_sig (ssh));
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             "Cannot reach the system bus of %s: %s", data->host,
                             data->error->message);
}

static void
on_connection_ready (GObject      *source,
                     GAsyncResult *res,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *data = g_task_get_task_data (task);

  if (g_async_initable_init_finish (G_ASYNC_INITABLE (source), res, &data->error))
    {
      if (data->timed_out)
        {
          g_dbus_connection_close (data->connection, NULL, NULL, NULL);
          return_timed_out (task);
          return;
        }
      /* ssh lives as long as the connection: when the connection goes,
       * its stdin closes and it exits (GSubprocess reaps it) */
      g_object_set_data_full (G_OBJECT (data->connection), "kmodd-ssh",
                              g_steal_pointer (&data->ssh), g_object_unref);
      g_task_return_pointer (task, g_steal_pointer (&data->connection), g_object_unref);
      return;
    }

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_subprocess_force_exit (data->ssh);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The operation was cancelled");
      return;
    }

  /* ssh failed (it said why on stderr) or the bridge did not answer: let
   * ssh see the end of its input, and tell how it ended */
  g_output_stream_close (g_subprocess_get_stdin_pipe (data->ssh), NULL, NULL);
  g_subprocess_wait_async (data->ssh, NULL, on_ssh_exited, g_steal_pointer (&task));
}

static char **
ssh_argv (const KmoddHost *host)
{
  GPtrArray *argv = g_ptr_array_new ();
  const char *program = g_getenv (SSH_ENV);

  g_ptr_array_add (argv, g_strdup (program != NULL && program[0] != '\0' ? program : "ssh"));
  g_ptr_array_add (argv, g_strdup ("-xT"));
  if (host->port != 0)
    {
      g_ptr_array_add (argv, g_strdup ("-p"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", host->port));
    }
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, kmodd_host_destination (host));
  g_ptr_array_add (argv, g_strdup ("systemd-stdio-bridge"));
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (argv, FALSE);
}

/* Checks the host, starts ssh and makes the connection object, in the
 * caller's thread-default main context: the connection emits ::closed
 * there. */
static Connect *
connect_prepare (const char *host,
                 guint       timeout_sec,
                 GError    **error)
{
  g_autoptr(KmoddHost) parsed = NULL;
  g_autoptr(GError) spawn_error = NULL;
  g_auto(GStrv) argv = NULL;
  GSubprocess *ssh;
  Connect *data;

  parsed = kmodd_host_parse (host, error);
  if (parsed == NULL)
    return NULL;

  argv = ssh_argv (parsed);
  ssh = g_subprocess_newv ((const char * const *) argv,
                           G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                           &spawn_error);
  if (ssh == NULL)
    {
      g_set_error (error, G_IO_ERROR,
                   g_error_matches (spawn_error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT)
                     ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_FAILED,
                   "Cannot run “%s”: %s", argv[0], spawn_error->message);
      return NULL;
    }

  data = g_new0 (Connect, 1);
  data->host = g_strdup (host);
  data->timeout_sec = timeout_sec;
  data->cancellable = g_cancellable_new ();
  data->ssh = ssh;
  data->stream = g_simple_io_stream_new (g_subprocess_get_stdout_pipe (ssh),
                                         g_subprocess_get_stdin_pipe (ssh));
  data->connection = g_object_new (G_TYPE_DBUS_CONNECTION,
                                   "stream", data->stream,
                                   "flags", G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                   NULL);
  return data;
}

/* Authenticates and says Hello, with the timeout; the callback comes in
 * the thread-default main context */
static void
connect_run (Connect            *data,
             GCancellable       *cancellable,
             GAsyncReadyCallback callback,
             gpointer            user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _kmodd_connect_to_host_async);
  g_task_set_task_data (task, data, (GDestroyNotify) connect_free);

  if (cancellable != NULL)
    {
      data->caller = g_object_ref (cancellable);
      data->caller_handler = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (on_caller_cancelled),
                                                    data->cancellable, NULL);
    }
  if (data->timeout_sec > 0)
    {
      data->timeout = g_timeout_source_new_seconds (data->timeout_sec);
      g_source_set_callback (data->timeout, on_timeout, data, NULL);
      g_source_attach (data->timeout, g_task_get_context (task));
    }

  g_async_initable_init_async (G_ASYNC_INITABLE (data->connection), G_PRIORITY_DEFAULT,
                               data->cancellable, on_connection_ready, task);
}

void
_kmodd_connect_to_host_async (const char         *host,
                              guint               timeout_sec,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  GError *error = NULL;
  Connect *data = connect_prepare (host, timeout_sec, &error);

  if (data == NULL)
    {
      g_task_report_error (NULL, callback, user_data, _kmodd_connect_to_host_async, error);
      return;
    }
  connect_run (data, cancellable, callback, user_data);
}

GDBusConnection *
_kmodd_connect_to_host_finish (GAsyncResult *result,
                               GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sync_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GAsyncResult **result = user_data;

  *result = g_object_ref (res);
}

GDBusConnection *
_kmodd_connect_to_host_sync (const char   *host,
                             guint         timeout_sec,
                             GCancellable *cancellable,
                             GError      **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  Connect *data = connect_prepare (host, timeout_sec, error);

  if (data == NULL)
    return NULL;

  /* only the connecting happens in a context of our own */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  connect_run (data, cancellable, on_sync_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  return _kmodd_connect_to_host_finish (result, error);
}

/* ---- the constructors --------------------------------------------------------- */

/**
 * kmodd_client_new_for_host:
 * @host: `[USER@]HOST[:PORT]`, an IPv6 address as `[ADDRESS]`
 * @cancellable: (nullable): a cancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * Creates a client of the service on another machine, asynchronously, the
 * way `systemctl -H` reaches one: it runs
 * `ssh -xT [-p PORT] -- [USER@]HOST systemd-stdio-bridge` and speaks D-Bus
 * over ssh's standard input and output. ssh's standard error is the
 * caller's, so its questions (an unknown host key, a password) reach the
 * terminal; ssh's configuration and agent apply as usual. The environment
 * variable `KMODD_SSH`, when set, names the program run in place of `ssh`.
 *
 * On the far side the caller is the SSH user: polkit and the service
 * decide as for a local user of that name. No authentication agent can
 * answer across SSH, so leave
 * [property@Kmodd.Client:allow-interactive-authorization] unset; a call
 * that needs a password then fails with
 * %KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED.
 *
 * @host is checked first: a malformed one (a leading `-`, whitespace,
 * control characters, a port outside 1 to 65535, ...) fails with
 * %G_IO_ERROR_INVALID_ARGUMENT without running anything. When ssh exits
 * before the connection is made (the host cannot be resolved or reached,
 * the login was refused, the host has no `systemd-stdio-bridge`), the
 * error is %G_IO_ERROR_CONNECTION_CLOSED with ssh's exit status; when
 * there is no connection within
 * [property@Kmodd.Client:connect-timeout] seconds (30; construct the
 * client with g_async_initable_new_async() and the `host` and
 * `connect-timeout` properties for another value), ssh is killed and the
 * error is %G_IO_ERROR_TIMED_OUT. When the connection drops later,
 * [signal@Gio.DBusConnection::closed] is emitted on
 * [property@Kmodd.Client:connection] and calls fail.
 *
 * From Python:
 *
 * ```python
 * import gi
 * gi.require_version('Kmodd', '1')
 * from gi.repository import Kmodd
 *
 * client = Kmodd.Client.new_for_host_sync('admin@server.example.com', None)
 * for module in client.list_sync(Kmodd.ListFlags.NONE, None, None):
 *     print(module.get_name())
 *
 * # with a timeout of 5 seconds and flags of its own
 * client = Kmodd.Client(host='server.example.com:2222', connect_timeout=5,
 *                       flags=Kmodd.ClientFlags.DO_NOT_CONNECT_SIGNALS)
 * client.init(None)
 * ```
 *
 * Finish with [ctor@Kmodd.Client.new_for_host_finish].
 */
void
kmodd_client_new_for_host (const char         *host,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_return_if_fail (host != NULL);

  g_async_initable_new_async (KMODD_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data, "host", host, NULL);
}

/**
 * kmodd_client_new_for_host_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Kmodd.Client.new_for_host].
 *
 * Returns: (transfer full): the client, or %NULL on error
 */
KmoddClient *
kmodd_client_new_for_host_finish (GAsyncResult *result,
                                  GError      **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);

  return object ? KMODD_CLIENT (object) : NULL;
}

/**
 * kmodd_client_new_for_host_sync:
 * @host: `[USER@]HOST[:PORT]`, an IPv6 address as `[ADDRESS]`
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Creates a client of the service on another machine over SSH, blocking;
 * see [func@Kmodd.Client.new_for_host].
 *
 * Returns: (transfer full): the client, or %NULL on error
 */
KmoddClient *
kmodd_client_new_for_host_sync (const char   *host,
                                GCancellable *cancellable,
                                GError      **error)
{
  g_return_val_if_fail (host != NULL, NULL);

  return g_initable_new (KMODD_TYPE_CLIENT, cancellable, error, "host", host, NULL);
}
