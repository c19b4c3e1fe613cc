/* test-client.c: libkmodd against the real kmodd on a private system bus.
 *
 * Not a test on its own: tests/integration/test_client.py sets up the world
 * (fake kernel, bus, polkit mock, daemon), runs one path of this program
 * (-p /client/...) as root or as uid 65534 with DBUS_SYSTEM_BUS_ADDRESS
 * set, and checks its exit status. What each path expects of the world is
 * written above it.
 *
 * Environment: KMODD_TEST_RELEASE, the fake kernel's release.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <kmodd.h>
#include <stdio.h>
#include <unistd.h>

#define TIMEOUT_S 30

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
  GAsyncResult *result;
} Waiter;

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

static GAsyncResult *
wait_result (Waiter     *waiter,
             const char *what)
{
  guint id = g_timeout_add_seconds (TIMEOUT_S, on_timeout, (gpointer) what);

  while (waiter->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return waiter->result;
}

static KmoddClient *
new_client (void)
{
  g_autoptr(GError) error = NULL;
  Waiter waiter = { NULL };
  KmoddClient *client;

  kmodd_client_new (NULL, on_result, &waiter);
  client = kmodd_client_new_finish (wait_result (&waiter, "kmodd_client_new"), &error);
  g_clear_object (&waiter.result);
  g_assert_no_error (error);
  g_assert_true (KMODD_IS_CLIENT (client));
  return client;
}

static GStrv
load (KmoddClient   *client,
      const char    *name,
      const char    *parameters,
      KmoddLoadFlags flags,
      GError       **error)
{
  Waiter waiter = { NULL };
  GStrv inserted;

  kmodd_client_load_async (client, name, parameters, flags, NULL, on_result, &waiter);
  inserted = kmodd_client_load_finish (client, wait_result (&waiter, "Load"), error);
  g_clear_object (&waiter.result);
  return inserted;
}

static GStrv
unload (KmoddClient     *client,
        const char      *name,
        KmoddUnloadFlags flags,
        GError         **error)
{
  Waiter waiter = { NULL };
  GStrv removed;

  kmodd_client_unload_async (client, name, flags, NULL, on_result, &waiter);
  removed = kmodd_client_unload_finish (client, wait_result (&waiter, "Unload"), error);
  g_clear_object (&waiter.result);
  return removed;
}

static KmoddModule *
find_module (GPtrArray  *modules,
             const char *name)
{
  guint i;

  for (i = 0; i < modules->len; i++)
    {
      KmoddModule *module = g_ptr_array_index (modules, i);

      if (g_str_equal (kmodd_module_get_name (module), name))
        return module;
    }
  return NULL;
}

static void
assert_strv (GStrv       actual,
             const char *first,
             ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) expected = NULL;
  const char *s;
  va_list args;

  va_start (args, first);
  for (s = first; s != NULL; s = va_arg (args, const char *))
    g_strv_builder_add (builder, s);
  va_end (args);
  expected = g_strv_builder_end (builder);

  g_assert_nonnull (actual);
  g_assert_cmpstrv (actual, expected);
}

/* ---- world: daemon running; as root -------------------------------------- */

static void
test_properties (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GDBusConnection) connection = NULL;
  g_autofree char *version = NULL;
  gboolean running = FALSE;

  g_assert_true (kmodd_client_get_service_running (client));
  g_assert_cmpstr (kmodd_client_get_version (client), ==, PACKAGE_VERSION);
  g_assert_cmpstr (kmodd_client_get_kernel_release (client), ==, g_getenv ("KMODD_TEST_RELEASE"));
  g_assert_cmpstr (kmodd_client_get_lockdown (client), ==, "none");
  g_assert_false (kmodd_client_get_modules_disabled (client));
  g_assert_false (kmodd_client_get_signatures_enforced (client));
  g_assert_cmpuint (kmodd_client_get_autoclean_interval (client), ==, 60);
  g_assert_cmpuint (kmodd_client_get_autoclean_marks (client), ==, 0);
  g_assert_false (kmodd_client_get_allow_interactive_authorization (client));
  g_assert_cmpint (kmodd_client_get_flags (client), ==, KMODD_CLIENT_FLAGS_NONE);

  /* the same through GObject properties */
  g_object_get (client, "version", &version, "service-running", &running,
                "connection", &connection, NULL);
  g_assert_cmpstr (version, ==, PACKAGE_VERSION);
  g_assert_true (running);
  g_assert_true (connection == kmodd_client_get_connection (client));
}

static void
test_load_list_info_unload (void)
{
  g_autoptr(KmoddClient) client = kmodd_client_new_sync (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) modules = NULL;
  g_autoptr(GPtrArray) only_fat = NULL;
  g_autoptr(KmoddModuleInfo) info = NULL;
  g_auto(GStrv) inserted = NULL;
  g_auto(GStrv) again = NULL;
  g_auto(GStrv) planned = NULL;
  g_auto(GStrv) removed = NULL;
  const char *names[] = { "fat", NULL };
  KmoddModule *fat;
  KmoddModule *msdos;
  gint64 now = g_get_real_time ();

  g_assert_nonnull (client);

  planned = load (client, "msdos", NULL, KMODD_LOAD_FLAGS_DRY_RUN, &error);
  g_assert_no_error (error);
  assert_strv (planned, "fat", "msdos", NULL);
  g_clear_pointer (&planned, g_strfreev);

  inserted = load (client, "msdos", NULL, KMODD_LOAD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  assert_strv (inserted, "fat", "msdos", NULL);

  /* loading what is loaded inserts nothing, and is no error */
  again = kmodd_client_load_sync (client, "msdos", NULL, KMODD_LOAD_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  assert_strv (again, NULL);

  modules = kmodd_client_list_sync (client, KMODD_LIST_FLAGS_NONE, NULL, NULL, &error);
  g_assert_no_error (error);
  fat = find_module (modules, "fat");
  msdos = find_module (modules, "msdos");
  g_assert_nonnull (fat);
  g_assert_nonnull (msdos);
  g_assert_cmpint (kmodd_module_get_state (fat), ==, KMODD_MODULE_STATE_LIVE);
  g_assert_cmpint (kmodd_module_get_refcount (fat), ==, 1);
  g_assert_cmpstrv (kmodd_module_get_holders (fat), ((const char *[]) { "msdos", NULL }));
  g_assert_cmpuint (kmodd_module_get_size (fat), >, 0);
  g_assert_cmpstr (kmodd_module_get_taint (fat), ==, "");
  g_assert_false (kmodd_module_get_autoclean (fat));
  g_assert_false (kmodd_module_get_visited (fat));
  g_assert_cmpint (kmodd_module_get_refcount (msdos), ==, 0);
  g_assert_cmpstrv (kmodd_module_get_holders (msdos), ((const char *[]) { NULL }));
  g_assert_true (kmodd_module_has_requested_by (msdos));
  g_assert_cmpuint (kmodd_module_get_requested_by (msdos), ==, 0);
  g_assert_nonnull (kmodd_module_get_loaded_at (msdos));
  g_assert_cmpint (g_date_time_to_unix (kmodd_module_get_loaded_at (msdos)), >=,
                   now / G_USEC_PER_SEC - 60);
  g_assert_cmpint (g_date_time_to_unix (kmodd_module_get_loaded_at (msdos)), <=,
                   now / G_USEC_PER_SEC + 60);

  only_fat = kmodd_client_list_sync (client, KMODD_LIST_FLAGS_NONE, names, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (only_fat->len, ==, 1);
  g_assert_cmpstr (kmodd_module_get_name (g_ptr_array_index (only_fat, 0)), ==, "fat");

  info = kmodd_client_info_sync (client, "fs-msdos", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kmodd_module_info_get_name (info), ==, "msdos");
  g_assert_true (g_strv_contains (kmodd_module_info_get_depends (info), "fat"));
  g_assert_true (g_strv_contains (kmodd_module_info_get_aliases (info), "fs-msdos"));
  g_assert_true (kmodd_module_info_get_loaded (info));
  g_assert_false (kmodd_module_info_get_builtin (info));
  g_assert_false (kmodd_module_info_get_blacklisted (info));
  g_assert_nonnull (kmodd_module_info_get_filename (info));
  g_assert_cmpstr (kmodd_module_info_get_license (info), ==, "GPL");
  g_assert_true (g_variant_is_of_type (kmodd_module_info_get_dict (info), G_VARIANT_TYPE_VARDICT));
  g_clear_object (&info);

  /* parameters, in the module's order, with their descriptions */
  info = kmodd_client_info_sync (client, "loop", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains (kmodd_module_info_get_parameter_names (info), "max_loop"));
  g_assert_nonnull (kmodd_module_info_get_parameter_description (info, "max_loop"));
  g_assert_null (kmodd_module_info_get_parameter_description (info, "no_such_parameter"));
  g_assert_false (kmodd_module_info_get_loaded (info));

  planned = kmodd_client_unload_sync (client, "msdos",
                                      KMODD_UNLOAD_FLAGS_DEPENDENCIES | KMODD_UNLOAD_FLAGS_DRY_RUN,
                                      NULL, &error);
  g_assert_no_error (error);
  assert_strv (planned, "msdos", "fat", NULL);

  removed = unload (client, "msdos", KMODD_UNLOAD_FLAGS_DEPENDENCIES, &error);
  g_assert_no_error (error);
  assert_strv (removed, "msdos", "fat", NULL);
}

static GStrv
reload (KmoddClient     *client,
        const char      *name,
        const char      *parameters,
        KmoddReloadFlags flags,
        GError         **error)
{
  Waiter waiter = { NULL };
  GStrv changed;

  kmodd_client_reload_async (client, name, parameters, flags, NULL, on_result, &waiter);
  changed = kmodd_client_reload_finish (client, wait_result (&waiter, "Reload"), error);
  g_clear_object (&waiter.result);
  return changed;
}

/* test_reload.py's Client.test_client_reload_c runs it */
static void
test_reload (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inserted = NULL;
  g_auto(GStrv) changed = NULL;
  g_auto(GStrv) planned = NULL;
  g_auto(GStrv) removed = NULL;

  inserted = load (client, "msdos", NULL, KMODD_LOAD_FLAGS_NONE, &error);
  g_assert_no_error (error);

  changed = reload (client, "msdos", NULL, KMODD_RELOAD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  assert_strv (changed, "-msdos", "+msdos", NULL);

  planned = kmodd_client_reload_sync (client, "msdos", NULL, KMODD_RELOAD_FLAGS_DRY_RUN,
                                      NULL, &error);
  g_assert_no_error (error);
  assert_strv (planned, "-msdos", "+msdos", NULL);

  g_clear_pointer (&changed, g_strfreev);
  changed = reload (client, "loop", "max_loop=4", KMODD_RELOAD_FLAGS_NONE, &error);
  g_assert_null (changed);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_NOT_LOADED);
  g_assert_null (strstr (error->message, "GDBus.Error"));
  g_clear_error (&error);

  changed = kmodd_client_reload_sync (client, "fat", NULL, KMODD_RELOAD_FLAGS_NONE, NULL, &error);
  g_assert_null (changed);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE);
  g_clear_error (&error);

  removed = unload (client, "msdos", KMODD_UNLOAD_FLAGS_DEPENDENCIES, &error);
  g_assert_no_error (error);
  assert_strv (removed, "msdos", "fat", NULL);
}

static void
test_errors (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_auto(GStrv) inserted = NULL;
  g_auto(GStrv) removed = NULL;
  g_autoptr(KmoddModuleInfo) info = NULL;
  g_autoptr(GPtrArray) modules = NULL;
  const char *bad_names[] = { "no such", NULL };

  inserted = load (client, "msdos", NULL, KMODD_LOAD_FLAGS_NONE, &error);
  g_assert_no_error (error);

  /* in use: the message names the holder, without the D-Bus error name */
  removed = unload (client, "fat", KMODD_UNLOAD_FLAGS_NONE, &error);
  g_assert_null (removed);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "msdos"));
  g_assert_null (strstr (error->message, "GDBus.Error"));
  g_assert_false (g_dbus_error_is_remote_error (error));
  g_clear_error (&error);

  removed = kmodd_client_unload_sync (client, "loop", KMODD_UNLOAD_FLAGS_NONE, NULL, &error);
  g_assert_null (removed);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_NOT_LOADED);
  g_clear_error (&error);

  g_clear_pointer (&inserted, g_strfreev);
  inserted = load (client, "no_such_module", NULL, 0, &error);
  g_assert_null (inserted);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  inserted = load (client, "a b", NULL, 0, &error);
  g_assert_null (inserted);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME);
  g_clear_error (&error);

  inserted = load (client, "-r", NULL, 0, &error);
  g_assert_null (inserted);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME);
  g_clear_error (&error);

  inserted = load (client, "loop", "no_such_parameter=1", 0, &error);
  g_assert_null (inserted);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS);
  g_clear_error (&error);

  inserted = load (client, "pcspkr", NULL, 0, &error);
  g_assert_null (inserted);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_BLACKLISTED);
  g_clear_error (&error);

  info = kmodd_client_info_sync (client, "no_such_module", NULL, &error);
  g_assert_null (info);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  modules = kmodd_client_list_sync (client, KMODD_LIST_FLAGS_NONE, bad_names, NULL, &error);
  g_assert_null (modules);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME);
  g_clear_error (&error);

  /* an option the service does not know (as from a newer client) is
   * G_DBUS_ERROR_INVALID_ARGS, on the client's own connection */
  reply = g_dbus_connection_call_sync (kmodd_client_get_connection (client),
                                       "org.freedesktop.KernelModules1",
                                       "/org/freedesktop/KernelModules1",
                                       "org.freedesktop.KernelModules1.Manager",
                                       "Load",
                                       g_variant_new_parsed ("('dummy', {'force': <true>})"),
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  /* and a remote error in the kmodd domain is typed without the client's
   * help too: the library registered the domain */
  reply = g_dbus_connection_call_sync (kmodd_client_get_connection (client),
                                       "org.freedesktop.KernelModules1",
                                       "/org/freedesktop/KernelModules1",
                                       "org.freedesktop.KernelModules1.Manager",
                                       "Unload", g_variant_new_parsed ("('fat', @a{sv} {})"),
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE);
}

/* The service's signals, as GObject signals with a KmoddModuleEvent. */

typedef struct {
  GPtrArray *events;
} Events;

static void
on_module_event (KmoddClient      *client,
                 const char       *name,
                 KmoddModuleEvent *event,
                 Events           *events)
{
  g_assert_cmpstr (name, ==, kmodd_module_event_get_name (event));
  g_ptr_array_add (events->events, kmodd_module_event_ref (event));
}

static KmoddModuleEvent *
event_for (Events              *events,
           const char          *name,
           KmoddModuleEventKind kind)
{
  guint i;

  for (i = 0; i < events->events->len; i++)
    {
      KmoddModuleEvent *event = g_ptr_array_index (events->events, i);

      if (g_str_equal (kmodd_module_event_get_name (event), name) &&
          kmodd_module_event_get_kind (event) == kind)
        return event;
    }
  return NULL;
}

static void
wait_for_events (Events *events,
                 guint   n)
{
  guint id = g_timeout_add_seconds (TIMEOUT_S, on_timeout, (gpointer) "signals");

  while (events->events->len < n)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static void
test_signals (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inserted = NULL;
  g_auto(GStrv) removed = NULL;
  Events events = { g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_module_event_unref) };
  KmoddModuleEvent *event;
  g_autoptr(GDateTime) before = g_date_time_new_now_local ();

  g_signal_connect (client, "module-loaded", G_CALLBACK (on_module_event), &events);
  g_signal_connect (client, "module-unloaded", G_CALLBACK (on_module_event), &events);

  inserted = load (client, "msdos", NULL, KMODD_LOAD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  wait_for_events (&events, 2);

  event = event_for (&events, "fat", KMODD_MODULE_EVENT_KIND_LOADED);
  g_assert_nonnull (event);
  g_assert_cmpint (kmodd_module_event_get_reason (event), ==, KMODD_MODULE_EVENT_REASON_REQUEST);
  g_assert_true (kmodd_module_event_has_uid (event));
  g_assert_cmpuint (kmodd_module_event_get_uid (event), ==, 0);
  g_assert_cmpint (g_date_time_compare (kmodd_module_event_get_time (event), before), >=, 0);
  g_assert_true (g_variant_is_of_type (kmodd_module_event_get_details (event),
                                       G_VARIANT_TYPE_VARDICT));
  g_assert_nonnull (event_for (&events, "msdos", KMODD_MODULE_EVENT_KIND_LOADED));

  removed = unload (client, "msdos", KMODD_UNLOAD_FLAGS_DEPENDENCIES, &error);
  g_assert_no_error (error);
  wait_for_events (&events, 4);
  event = event_for (&events, "msdos", KMODD_MODULE_EVENT_KIND_UNLOADED);
  g_assert_nonnull (event);
  g_assert_cmpint (kmodd_module_event_get_reason (event), ==, KMODD_MODULE_EVENT_REASON_REQUEST);
  g_assert_nonnull (event_for (&events, "fat", KMODD_MODULE_EVENT_KIND_UNLOADED));

  g_ptr_array_unref (events.events);
}

/* AutoClean, and notify:: for the service's properties. */

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
iterate_until_marks (KmoddClient *client,
                     guint        marks)
{
  guint id = g_timeout_add_seconds (TIMEOUT_S, on_timeout, (gpointer) "notify::autoclean-marks");

  while (kmodd_client_get_autoclean_marks (client) != marks)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static void
test_autoclean_notify (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) modules = NULL;
  g_auto(GStrv) inserted = NULL;
  g_auto(GStrv) removed = NULL;
  Waiter waiter = { NULL };
  guint notified = 0;
  KmoddModule *dummy;

  g_signal_connect (client, "notify::autoclean-marks", G_CALLBACK (on_notify), &notified);

  inserted = load (client, "dummy", NULL, KMODD_LOAD_FLAGS_AUTOCLEAN, &error);
  g_assert_no_error (error);
  assert_strv (inserted, "dummy", NULL);

  iterate_until_marks (client, 1);
  g_assert_cmpuint (notified, >=, 1);

  modules = kmodd_client_list_sync (client, KMODD_LIST_FLAGS_NONE, NULL, NULL, &error);
  g_assert_no_error (error);
  dummy = find_module (modules, "dummy");
  g_assert_nonnull (dummy);
  g_assert_true (kmodd_module_get_autoclean (dummy));
  /* the request that inserted it counts as a use */
  g_assert_true (kmodd_module_get_visited (dummy));

  notified = 0;
  kmodd_client_autoclean_async (client, KMODD_AUTO_CLEAN_FLAGS_ALL, NULL, on_result, &waiter);
  removed = kmodd_client_autoclean_finish (client, wait_result (&waiter, "AutoClean"), &error);
  g_clear_object (&waiter.result);
  g_assert_no_error (error);
  assert_strv (removed, "dummy", NULL);

  iterate_until_marks (client, 0);
  g_assert_cmpuint (notified, >=, 1);
}

/* ---- world: daemon running, polkit allows nothing; as uid 65534 ------------ */

static void
test_not_authorized (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inserted = NULL;
  g_auto(GStrv) removed = NULL;
  g_autoptr(GPtrArray) modules = NULL;

  g_assert_cmpuint (getuid (), !=, 0);

  inserted = load (client, "dummy", NULL, KMODD_LOAD_FLAGS_NONE, &error);
  g_assert_null (inserted);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);

  inserted = load (client, "loop", "max_part=8", KMODD_LOAD_FLAGS_NONE, &error);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);

  removed = kmodd_client_autoclean_sync (client, KMODD_AUTO_CLEAN_FLAGS_NONE, NULL, &error);
  g_assert_null (removed);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);

  /* what needs no authorization works */
  inserted = load (client, "dummy", NULL, KMODD_LOAD_FLAGS_DRY_RUN, &error);
  g_assert_no_error (error);
  assert_strv (inserted, "dummy", NULL);
  modules = kmodd_client_list_sync (client, KMODD_LIST_FLAGS_INCLUDE_BUILTIN, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_module (modules, "unix"));
  g_assert_cmpint (kmodd_module_get_state (find_module (modules, "unix")), ==,
                   KMODD_MODULE_STATE_BUILTIN);
  g_assert_null (find_module (modules, "dummy"));
}

/* ---- world: polkit challenges the load action; as uid 65534 ---------------- */

static void
test_interactive (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inserted = NULL;
  guint notified = 0;

  g_assert_cmpuint (getuid (), !=, 0);

  inserted = load (client, "dummy", NULL, KMODD_LOAD_FLAGS_NONE, &error);
  g_assert_null (inserted);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED);
  g_clear_error (&error);

  g_signal_connect (client, "notify::allow-interactive-authorization",
                    G_CALLBACK (on_notify), &notified);
  g_object_set (client, "allow-interactive-authorization", TRUE, NULL);
  g_assert_true (kmodd_client_get_allow_interactive_authorization (client));
  g_assert_cmpuint (notified, ==, 1);
  kmodd_client_set_allow_interactive_authorization (client, TRUE);
  g_assert_cmpuint (notified, ==, 1);

  inserted = load (client, "dummy", NULL, KMODD_LOAD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  assert_strv (inserted, "dummy", NULL);
}

/* ---- world: polkit hangs; as uid 65534 ------------------------------------ */

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inserted = NULL;
  Waiter waiter = { NULL };

  /* cancelled while polkit thinks */
  kmodd_client_load_async (client, "dummy", NULL, KMODD_LOAD_FLAGS_NONE, cancellable,
                           on_result, &waiter);
  g_timeout_add (200, cancel_later, cancellable);
  inserted = kmodd_client_load_finish (client, wait_result (&waiter, "cancelled Load"), &error);
  g_clear_object (&waiter.result);
  g_assert_null (inserted);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* cancelled before it started */
  g_cancellable_cancel (cancelled);
  inserted = kmodd_client_unload_sync (client, "dummy", KMODD_UNLOAD_FLAGS_NONE, cancelled,
                                       &error);
  g_assert_null (inserted);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- world: no daemon (and the private bus cannot start one); as root ------- */

static void
test_no_service (void)
{
  g_autoptr(KmoddClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) modules = NULL;

  g_assert_false (kmodd_client_get_service_running (client));
  g_assert_null (kmodd_client_get_version (client));
  g_assert_null (kmodd_client_get_kernel_release (client));
  g_assert_cmpuint (kmodd_client_get_autoclean_interval (client), ==, 0);

  modules = kmodd_client_list_sync (client, KMODD_LIST_FLAGS_NONE, NULL, NULL, &error);
  g_assert_null (modules);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN);
}

/* No daemon when it starts: prints "ready" on stdout, then waits for the
 * daemon that the driver starts to appear. */
static void
test_service_appears (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client =
    kmodd_client_new_for_connection_sync (NULL, KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE,
                                          NULL, &error);
  guint running_notified = 0;
  guint version_notified = 0;

  g_assert_no_error (error);
  g_assert_cmpint (kmodd_client_get_flags (client), ==, KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE);
  g_assert_false (kmodd_client_get_service_running (client));
  g_signal_connect (client, "notify::service-running", G_CALLBACK (on_notify),
                    &running_notified);
  g_signal_connect (client, "notify::version", G_CALLBACK (on_notify), &version_notified);

  printf ("ready\n");
  fflush (stdout);

  while (!kmodd_client_get_service_running (client) || kmodd_client_get_version (client) == NULL)
    {
      guint id = g_timeout_add_seconds (TIMEOUT_S, on_timeout, (gpointer) "the service");

      g_main_context_iteration (NULL, TRUE);
      g_source_remove (id);
    }
  g_assert_cmpuint (running_notified, >=, 1);
  g_assert_cmpuint (version_notified, >=, 1);
  g_assert_cmpstr (kmodd_client_get_version (client), ==, PACKAGE_VERSION);
}

/* ---- world: DBUS_SYSTEM_BUS_ADDRESS points nowhere ------------------------- */

static void
test_no_bus (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  Waiter waiter = { NULL };
  gint64 start = g_get_monotonic_time ();

  client = kmodd_client_new_sync (NULL, &error);
  g_assert_null (client);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  kmodd_client_new (NULL, on_result, &waiter);
  client = kmodd_client_new_finish (wait_result (&waiter, "kmodd_client_new"), &error);
  g_clear_object (&waiter.result);
  g_assert_null (client);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  /* at once, not after D-Bus's 25 s call timeout: the bound only tells
   * the two apart, so that a loaded machine or valgrind does not fail it */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

/* ---- without any world ------------------------------------------------------- */

static void
test_types (void)
{
  g_autoptr(GEnumClass) errors = g_type_class_ref (KMODD_TYPE_ERROR);
  g_autoptr(GEnumClass) states = g_type_class_ref (KMODD_TYPE_MODULE_STATE);
  g_autoptr(GFlagsClass) load_flags = g_type_class_ref (KMODD_TYPE_LOAD_FLAGS);
  g_autoptr(KmoddClient) client = g_object_new (KMODD_TYPE_CLIENT, NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inserted = NULL;

  g_assert_cmpstr (g_enum_get_value (errors, KMODD_ERROR_IN_USE)->value_nick, ==, "in-use");
  g_assert_cmpstr (g_enum_get_value (states, KMODD_MODULE_STATE_COMING)->value_nick, ==, "coming");
  g_assert_cmpstr (g_flags_get_first_value (load_flags, KMODD_LOAD_FLAGS_DRY_RUN)->value_nick,
                   ==, "dry-run");
  g_assert_cmpstr (g_quark_to_string (KMODD_ERROR), ==, "kmodd-error-quark");

  /* a client that was never initialized says so instead of crashing */
  inserted = kmodd_client_load_sync (client, "dummy", NULL, 0, NULL, &error);
  g_assert_null (inserted);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_assert_false (kmodd_client_get_service_running (client));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/types", test_types);
  g_test_add_func ("/client/root/properties", test_properties);
  g_test_add_func ("/client/root/load-list-info-unload", test_load_list_info_unload);
  g_test_add_func ("/client/root/errors", test_errors);
  g_test_add_func ("/client/root/reload", test_reload);
  g_test_add_func ("/client/root/signals", test_signals);
  g_test_add_func ("/client/root/autoclean-notify", test_autoclean_notify);
  g_test_add_func ("/client/root/no-service", test_no_service);
  g_test_add_func ("/client/root/service-appears", test_service_appears);
  g_test_add_func ("/client/user/not-authorized", test_not_authorized);
  g_test_add_func ("/client/user/interactive", test_interactive);
  g_test_add_func ("/client/user/cancel", test_cancel);
  g_test_add_func ("/client/no-bus", test_no_bus);

  return g_test_run ();
}
