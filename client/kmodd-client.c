/* kmodd-client.c: KmoddClient, on the proxy gdbus-codegen makes from the
 * interface XML.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-client.h"
#include "kmodd-dbus-generated.h"
#include "kmodd-enum-types.h"
#include "kmodd-error.h"
#include "kmodd-names.h"
#include "kmodd-private.h"

/**
 * KmoddClient:
 *
 * A client of kmodd, the kernel module service on the system bus
 * (`org.freedesktop.KernelModules1`).
 *
 * Create one with [func@Kmodd.Client.new] (or [ctor@Kmodd.Client.new_sync],
 * or [func@Kmodd.Client.new_for_connection] for a bus connection of your
 * own), then load, unload, list and describe modules with the methods, each
 * of which comes as an asynchronous pair with a [class@Gio.Cancellable] and
 * as a synchronous variant.
 *
 * Errors the service returns arrive as typed [struct@GLib.Error]s: in the
 * %KMODD_ERROR domain (%KMODD_ERROR_IN_USE, %KMODD_ERROR_NOT_AUTHORIZED,
 * %KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, ...), or
 * %G_DBUS_ERROR_INVALID_ARGS for an option the service does not know. Their
 * messages are the service's, without the D-Bus error name. When the bus or
 * the service cannot be reached, the error is the one GIO gives
 * (%G_IO_ERROR_NOT_FOUND for a missing bus socket,
 * %G_DBUS_ERROR_SERVICE_UNKNOWN for a service that is neither running nor
 * activatable, ...).
 *
 * The client mirrors the service's properties as GObject properties, with
 * [signal@GObject.Object::notify] when they change, and turns the service's
 * signals into [signal@Kmodd.Client::module-loaded] and
 * [signal@Kmodd.Client::module-unloaded]. Both are delivered in the
 * thread-default main context of the thread that created the client.
 *
 * Loading, unloading and AutoClean need polkit's authorization for callers
 * other than root. When polkit would ask for a password, the call fails with
 * %KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED unless
 * [property@Kmodd.Client:allow-interactive-authorization] is set, in which
 * case polkit asks the user through their authentication agent and the call
 * waits for it (without a timeout). Panels set it; scripts leave it unset.
 */
struct _KmoddClient {
  GObject           parent_instance;

  GDBusConnection  *connection;
  KmoddClientFlags  flags;
  KmoddDBusManager *proxy;
  gboolean          allow_interactive;
};

static void kmodd_client_initable_iface_init (GInitableIface *iface);
static void kmodd_client_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KmoddClient, kmodd_client, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      kmodd_client_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      kmodd_client_async_initable_iface_init))

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_FLAGS,
  PROP_ALLOW_INTERACTIVE_AUTHORIZATION,
  PROP_SERVICE_RUNNING,
  PROP_VERSION,
  PROP_KERNEL_RELEASE,
  PROP_MODULES_DISABLED,
  PROP_LOCKDOWN,
  PROP_SIGNATURES_ENFORCED,
  PROP_AUTOCLEAN_INTERVAL,
  PROP_AUTOCLEAN_MARKS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* the service's properties, by their D-Bus names */
static const struct {
  const char *dbus_name;
  guint       prop;
} service_props[] = {
  { "Version", PROP_VERSION },
  { "KernelRelease", PROP_KERNEL_RELEASE },
  { "ModulesDisabled", PROP_MODULES_DISABLED },
  { "Lockdown", PROP_LOCKDOWN },
  { "SignaturesEnforced", PROP_SIGNATURES_ENFORCED },
  { "AutoCleanInterval", PROP_AUTOCLEAN_INTERVAL },
  { "AutoCleanMarks", PROP_AUTOCLEAN_MARKS },
};

enum {
  SIGNAL_MODULE_LOADED,
  SIGNAL_MODULE_UNLOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the proxy's news ------------------------------------------------------ */

static void
on_properties_changed (GDBusProxy         *proxy,
                       GVariant           *changed,
                       const char * const *invalidated,
                       KmoddClient        *self)
{
  gsize i;

  g_object_freeze_notify (G_OBJECT (self));
  for (i = 0; i < G_N_ELEMENTS (service_props); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (changed, service_props[i].dbus_name,
                                                          NULL);

      if (value != NULL ||
          (invalidated != NULL &&
           g_strv_contains (invalidated, service_props[i].dbus_name)))
        g_object_notify_by_pspec (G_OBJECT (self), props[service_props[i].prop]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_name_owner_changed (GObject     *proxy,
                       GParamSpec  *pspec,
                       KmoddClient *self)
{
  gsize i;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SERVICE_RUNNING]);
  for (i = 0; i < G_N_ELEMENTS (service_props); i++)
    g_object_notify_by_pspec (G_OBJECT (self), props[service_props[i].prop]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
emit_event (KmoddClient          *self,
            const char           *name,
            GVariant             *details,
            KmoddModuleEventKind  kind)
{
  g_autoptr(KmoddModuleEvent) event = _kmodd_module_event_new (name, kind, details,
                                                               g_get_real_time ());

  g_signal_emit (self,
                 signals[kind == KMODD_MODULE_EVENT_KIND_LOADED ? SIGNAL_MODULE_LOADED
                                                                : SIGNAL_MODULE_UNLOADED],
                 0, name, event);
}

static void
on_module_loaded (KmoddDBusManager *proxy,
                  const char       *name,
                  GVariant         *details,
                  KmoddClient      *self)
{
  emit_event (self, name, details, KMODD_MODULE_EVENT_KIND_LOADED);
}

static void
on_module_unloaded (KmoddDBusManager *proxy,
                    const char       *name,
                    GVariant         *details,
                    KmoddClient      *self)
{
  emit_event (self, name, details, KMODD_MODULE_EVENT_KIND_UNLOADED);
}

static GDBusProxyFlags
proxy_flags (KmoddClient *self)
{
  GDBusProxyFlags flags = G_DBUS_PROXY_FLAGS_NONE;

  if (self->flags & KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE)
    flags |= G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START_AT_CONSTRUCTION;
  if (self->flags & KMODD_CLIENT_FLAGS_DO_NOT_LOAD_PROPERTIES)
    flags |= G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES;
  if (self->flags & KMODD_CLIENT_FLAGS_DO_NOT_CONNECT_SIGNALS)
    flags |= G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS;
  return flags;
}

static void
take_proxy (KmoddClient      *self,
            KmoddDBusManager *proxy)
{
  self->proxy = proxy;
  g_signal_connect_object (proxy, "g-properties-changed",
                           G_CALLBACK (on_properties_changed), self, 0);
  g_signal_connect_object (proxy, "notify::g-name-owner",
                           G_CALLBACK (on_name_owner_changed), self, 0);
  g_signal_connect_object (proxy, "module-loaded",
                           G_CALLBACK (on_module_loaded), self, 0);
  g_signal_connect_object (proxy, "module-unloaded",
                           G_CALLBACK (on_module_unloaded), self, 0);
}

/* ---- GInitable and GAsyncInitable ------------------------------------------- */

static gboolean
kmodd_client_initable_init (GInitable     *initable,
                            GCancellable  *cancellable,
                            GError       **error)
{
  KmoddClient *self = KMODD_CLIENT (initable);
  KmoddDBusManager *proxy;

  if (self->proxy != NULL)
    return TRUE;

  if (self->connection == NULL)
    {
      self->connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, cancellable, error);
      if (self->connection == NULL)
        return FALSE;
    }

  proxy = kmodd_dbus_manager_proxy_new_sync (self->connection, proxy_flags (self),
                                             KMODD_DBUS_NAME, KMODD_DBUS_PATH,
                                             cancellable, error);
  if (proxy == NULL)
    return FALSE;

  take_proxy (self, proxy);
  return TRUE;
}

static void
kmodd_client_initable_iface_init (GInitableIface *iface)
{
  iface->init = kmodd_client_initable_init;
}

static void
on_proxy_ready (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KmoddClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  KmoddDBusManager *proxy = kmodd_dbus_manager_proxy_new_finish (res, &error);

  if (proxy == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (self->proxy == NULL)
    take_proxy (self, proxy);
  else
    g_object_unref (proxy);
  g_task_return_boolean (task, TRUE);
}

static void
make_proxy (GTask *task)
{
  KmoddClient *self = g_task_get_source_object (task);

  kmodd_dbus_manager_proxy_new (self->connection, proxy_flags (self),
                                KMODD_DBUS_NAME, KMODD_DBUS_PATH,
                                g_task_get_cancellable (task),
                                on_proxy_ready, task);
}

static void
on_bus_ready (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GTask *task = user_data;
  KmoddClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  GDBusConnection *connection = g_bus_get_finish (res, &error);

  if (connection == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (self->connection == NULL)
    self->connection = connection;
  else
    g_object_unref (connection);
  make_proxy (task);
}

static void
kmodd_client_init_async (GAsyncInitable      *initable,
                         int                  io_priority,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  KmoddClient *self = KMODD_CLIENT (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, kmodd_client_init_async);
  g_task_set_priority (task, io_priority);

  if (self->proxy != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else if (self->connection == NULL)
    g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_bus_ready, task);
  else
    make_proxy (task);
}

static gboolean
kmodd_client_init_finish (GAsyncInitable  *initable,
                          GAsyncResult    *result,
                          GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
kmodd_client_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = kmodd_client_init_async;
  iface->init_finish = kmodd_client_init_finish;
}

/* ---- construction ------------------------------------------------------------- */

/**
 * kmodd_client_new:
 * @cancellable: (nullable): a cancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * Creates a client on the system bus, asynchronously; starts the service if
 * it is not running (and can be started). Finish with
 * [ctor@Kmodd.Client.new_finish].
 */
void
kmodd_client_new (GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_async_initable_new_async (KMODD_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data, NULL);
}

static KmoddClient *
new_finish (GAsyncResult  *result,
            GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);

  return object ? KMODD_CLIENT (object) : NULL;
}

/**
 * kmodd_client_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Kmodd.Client.new].
 *
 * Returns: (transfer full): the client, or %NULL if the system bus could
 *   not be reached
 */
KmoddClient *
kmodd_client_new_finish (GAsyncResult  *result,
                         GError       **error)
{
  return new_finish (result, error);
}

/**
 * kmodd_client_new_sync:
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Creates a client on the system bus, blocking; starts the service if it is
 * not running (and can be started).
 *
 * Returns: (transfer full): the client, or %NULL if the system bus could
 *   not be reached
 */
KmoddClient *
kmodd_client_new_sync (GCancellable  *cancellable,
                       GError       **error)
{
  return g_initable_new (KMODD_TYPE_CLIENT, cancellable, error, NULL);
}

/**
 * kmodd_client_new_for_connection:
 * @connection: (nullable): a message bus connection, or %NULL for the system
 *   bus
 * @flags: how to create the client
 * @cancellable: (nullable): a cancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * Creates a client on @connection, asynchronously. Finish with
 * [ctor@Kmodd.Client.new_for_connection_finish].
 */
void
kmodd_client_new_for_connection (GDBusConnection     *connection,
                                 KmoddClientFlags     flags,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection));

  g_async_initable_new_async (KMODD_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data,
                              "connection", connection, "flags", flags, NULL);
}

/**
 * kmodd_client_new_for_connection_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Kmodd.Client.new_for_connection].
 *
 * Returns: (transfer full): the client, or %NULL on error
 */
KmoddClient *
kmodd_client_new_for_connection_finish (GAsyncResult  *result,
                                        GError       **error)
{
  return new_finish (result, error);
}

/**
 * kmodd_client_new_for_connection_sync:
 * @connection: (nullable): a message bus connection, or %NULL for the system
 *   bus
 * @flags: how to create the client
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Creates a client on @connection, blocking.
 *
 * Returns: (transfer full): the client, or %NULL on error
 */
KmoddClient *
kmodd_client_new_for_connection_sync (GDBusConnection  *connection,
                                      KmoddClientFlags  flags,
                                      GCancellable     *cancellable,
                                      GError          **error)
{
  g_return_val_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection), NULL);

  return g_initable_new (KMODD_TYPE_CLIENT, cancellable, error,
                         "connection", connection, "flags", flags, NULL);
}

/* ---- properties ------------------------------------------------------------------- */

/**
 * kmodd_client_get_connection:
 * @client: a client
 *
 * Gets the bus connection the client uses.
 *
 * Returns: (transfer none): the connection
 */
GDBusConnection *
kmodd_client_get_connection (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->connection;
}

/**
 * kmodd_client_get_flags:
 * @client: a client
 *
 * Gets the flags the client was created with.
 *
 * Returns: the flags
 */
KmoddClientFlags
kmodd_client_get_flags (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), KMODD_CLIENT_FLAGS_NONE);
  return client->flags;
}

/**
 * kmodd_client_get_allow_interactive_authorization:
 * @client: a client
 *
 * Gets whether calls allow polkit to ask the user for a password.
 *
 * Returns: %TRUE if calls allow interactive authorization
 */
gboolean
kmodd_client_get_allow_interactive_authorization (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), FALSE);
  return client->allow_interactive;
}

/**
 * kmodd_client_set_allow_interactive_authorization:
 * @client: a client
 * @allow: whether calls may ask the user for a password
 *
 * Sets whether the calls made from now on allow polkit to ask the user for
 * a password (the D-Bus allow-interactive-authorization flag). Such calls
 * have no timeout: they wait for the user.
 */
void
kmodd_client_set_allow_interactive_authorization (KmoddClient *client,
                                                  gboolean     allow)
{
  g_return_if_fail (KMODD_IS_CLIENT (client));

  allow = !!allow;
  if (client->allow_interactive == allow)
    return;
  client->allow_interactive = allow;
  g_object_notify_by_pspec (G_OBJECT (client), props[PROP_ALLOW_INTERACTIVE_AUTHORIZATION]);
}

/**
 * kmodd_client_get_service_running:
 * @client: a client
 *
 * Gets whether the service is running: whether its bus name has an owner.
 * While it is not, the service's properties are unset (%NULL, %FALSE or 0);
 * a method call starts it if it can be started.
 *
 * Returns: %TRUE if the service is running
 */
gboolean
kmodd_client_get_service_running (KmoddClient *client)
{
  g_autofree char *owner = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), FALSE);
  if (client->proxy == NULL)
    return FALSE;
  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (client->proxy));
  return owner != NULL;
}

/**
 * kmodd_client_get_version:
 * @client: a client
 *
 * Gets the version of the service.
 *
 * Returns: (nullable): the version, or %NULL if the service is not running
 */
const char *
kmodd_client_get_version (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->proxy ? kmodd_dbus_manager_get_version (client->proxy) : NULL;
}

/**
 * kmodd_client_get_kernel_release:
 * @client: a client
 *
 * Gets the release of the running kernel, as `uname -r` prints it.
 *
 * Returns: (nullable): the release, or %NULL if the service is not running
 */
const char *
kmodd_client_get_kernel_release (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->proxy ? kmodd_dbus_manager_get_kernel_release (client->proxy) : NULL;
}

/**
 * kmodd_client_get_modules_disabled:
 * @client: a client
 *
 * Gets whether the kernel refuses to load and unload modules until the next
 * boot (`/proc/sys/kernel/modules_disabled`).
 *
 * Returns: %TRUE if module loading is disabled
 */
gboolean
kmodd_client_get_modules_disabled (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), FALSE);
  return client->proxy ? kmodd_dbus_manager_get_modules_disabled (client->proxy) : FALSE;
}

/**
 * kmodd_client_get_lockdown:
 * @client: a client
 *
 * Gets the kernel's lockdown mode: `"none"`, `"integrity"` or
 * `"confidentiality"`.
 *
 * Returns: (nullable): the lockdown mode, or %NULL if the service is not
 *   running
 */
const char *
kmodd_client_get_lockdown (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->proxy ? kmodd_dbus_manager_get_lockdown (client->proxy) : NULL;
}

/**
 * kmodd_client_get_signatures_enforced:
 * @client: a client
 *
 * Gets whether the kernel loads only modules with a valid signature.
 *
 * Returns: %TRUE if signatures are enforced
 */
gboolean
kmodd_client_get_signatures_enforced (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), FALSE);
  return client->proxy ? kmodd_dbus_manager_get_signatures_enforced (client->proxy) : FALSE;
}

/**
 * kmodd_client_get_autoclean_interval:
 * @client: a client
 *
 * Gets the seconds between two AutoClean passes of the service.
 *
 * Returns: the interval in seconds; 0 when the AutoClean timer is off or
 *   the service is not running
 */
guint
kmodd_client_get_autoclean_interval (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), 0);
  return client->proxy ? kmodd_dbus_manager_get_auto_clean_interval (client->proxy) : 0;
}

/**
 * kmodd_client_get_autoclean_marks:
 * @client: a client
 *
 * Gets how many modules are marked for AutoClean.
 *
 * Returns: the number of marked modules
 */
guint
kmodd_client_get_autoclean_marks (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), 0);
  return client->proxy ? kmodd_dbus_manager_get_auto_clean_marks (client->proxy) : 0;
}

/* ---- calls ----------------------------------------------------------------------------- */

static GDBusCallFlags
call_flags (KmoddClient *self)
{
  return self->allow_interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                                 : G_DBUS_CALL_FLAGS_NONE;
}

static int
call_timeout (KmoddClient *self)
{
  /* a person may take a while to type a password; the service gives up on
   * polkit after its own AuthorizationTimeout */
  return self->allow_interactive ? G_MAXINT : -1;
}

/* Remote errors come as "GDBus.Error:<name>: <message>" in the domain
 * registered for <name>; keep the domain and code, drop the prefix. */
static GError *
clean_error (GError *error)
{
  if (error != NULL)
    g_dbus_error_strip_remote_error (error);
  return error;
}

static void
on_call_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GVariant *reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), res, &error);

  if (reply == NULL)
    g_task_return_error (task, clean_error (error));
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) g_variant_unref);
}

static gboolean
check_initialized (KmoddClient  *self,
                   GError      **error)
{
  if (self->proxy != NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                       "The client was not initialized");
  return FALSE;
}

static void
call_async (KmoddClient         *self,
            const char          *method,
            GVariant            *parameters,
            gpointer             source_tag,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  if (!check_initialized (self, &error))
    {
      g_variant_unref (g_variant_ref_sink (parameters));
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_dbus_proxy_call (G_DBUS_PROXY (self->proxy), method, parameters,
                     call_flags (self), call_timeout (self), cancellable,
                     on_call_done, task);
}

static GVariant *
call_finish (KmoddClient   *self,
             GAsyncResult  *result,
             gpointer       source_tag,
             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GVariant *
call_sync (KmoddClient   *self,
           const char    *method,
           GVariant      *parameters,
           GCancellable  *cancellable,
           GError       **error)
{
  GError *local = NULL;
  GVariant *reply;

  if (!check_initialized (self, error))
    {
      g_variant_unref (g_variant_ref_sink (parameters));
      return NULL;
    }

  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (self->proxy), method, parameters,
                                  call_flags (self), call_timeout (self),
                                  cancellable, &local);
  if (reply == NULL)
    g_propagate_error (error, clean_error (local));
  return reply;
}

static GStrv
reply_to_strv (GVariant *reply)
{
  GStrv names = NULL;

  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(^as)", &names);
  g_variant_unref (reply);
  return names;
}

static GVariant *
load_parameters (const char     *name,
                 const char     *parameters,
                 KmoddLoadFlags  flags)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  /* only the options in use, so that an older service still understands */
  if (parameters != NULL)
    g_variant_dict_insert (&options, KMODD_OPTION_PARAMETERS, "s", parameters);
  if (flags & KMODD_LOAD_FLAGS_AUTOCLEAN)
    g_variant_dict_insert (&options, KMODD_OPTION_AUTOCLEAN, "b", TRUE);
  if (flags & KMODD_LOAD_FLAGS_DRY_RUN)
    g_variant_dict_insert (&options, KMODD_OPTION_DRY_RUN, "b", TRUE);
  if (flags & KMODD_LOAD_FLAGS_NO_BLOCK)
    g_variant_dict_insert (&options, KMODD_OPTION_NO_BLOCK, "b", TRUE);
  return g_variant_new ("(s@a{sv})", name, g_variant_dict_end (&options));
}

/**
 * kmodd_client_load_async:
 * @client: a client
 * @name: a module name (`msdos`, `snd-dummy`) or alias (`fs-vfat`, a
 *   `MODALIAS`)
 * @parameters: (nullable): the module's parameters, as space-separated
 *   `key=value` words (`"max_loop=8"`), or %NULL. Loading with parameters
 *   needs its own polkit action.
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Loads a module and its dependencies, as modprobe(8) would. Loading what is
 * already loaded is not an error: nothing is inserted.
 *
 * Typical errors are %KMODD_ERROR_NOT_FOUND, %KMODD_ERROR_BLACKLISTED,
 * %KMODD_ERROR_INVALID_NAME, %KMODD_ERROR_INVALID_PARAMETERS,
 * %KMODD_ERROR_NOT_AUTHORIZED and
 * %KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED.
 */
void
kmodd_client_load_async (KmoddClient         *client,
                         const char          *name,
                         const char          *parameters,
                         KmoddLoadFlags       flags,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  call_async (client, "Load", load_parameters (name, parameters, flags),
              kmodd_client_load_async, cancellable, callback, user_data);
}

/**
 * kmodd_client_load_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.load_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the modules inserted,
 *   dependencies first (with %KMODD_LOAD_FLAGS_DRY_RUN: the modules that
 *   would be inserted); empty if everything was loaded already; %NULL on
 *   error
 */
GStrv
kmodd_client_load_finish (KmoddClient   *client,
                          GAsyncResult  *result,
                          GError       **error)
{
  return reply_to_strv (call_finish (client, result, kmodd_client_load_async, error));
}

/**
 * kmodd_client_load_sync:
 * @client: a client
 * @name: a module name or alias
 * @parameters: (nullable): the module's parameters as space-separated
 *   `key=value` words, or %NULL
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Loads a module and its dependencies, blocking; see
 * [method@Kmodd.Client.load_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the modules inserted,
 *   dependencies first; %NULL on error
 */
GStrv
kmodd_client_load_sync (KmoddClient   *client,
                        const char    *name,
                        const char    *parameters,
                        KmoddLoadFlags flags,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return reply_to_strv (call_sync (client, "Load", load_parameters (name, parameters, flags),
                                   cancellable, error));
}

static GVariant *
unload_parameters (const char       *name,
                   KmoddUnloadFlags  flags)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (flags & KMODD_UNLOAD_FLAGS_DEPENDENCIES)
    g_variant_dict_insert (&options, KMODD_OPTION_DEPENDENCIES, "b", TRUE);
  if (flags & KMODD_UNLOAD_FLAGS_DRY_RUN)
    g_variant_dict_insert (&options, KMODD_OPTION_DRY_RUN, "b", TRUE);
  if (flags & KMODD_UNLOAD_FLAGS_UNBIND)
    g_variant_dict_insert (&options, KMODD_OPTION_UNBIND, "b", TRUE);
  return g_variant_new ("(s@a{sv})", name, g_variant_dict_end (&options));
}

/**
 * kmodd_client_unload_async:
 * @client: a client
 * @name: a module name or alias
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Unloads a module; with %KMODD_UNLOAD_FLAGS_DEPENDENCIES also the
 * dependencies it leaves unused. There is no force: a module in use fails
 * with %KMODD_ERROR_IN_USE, whose message names the holders, the use
 * count or the devices its drivers serve (which
 * %KMODD_UNLOAD_FLAGS_UNBIND unbinds first). Other typical errors are %KMODD_ERROR_NOT_LOADED,
 * %KMODD_ERROR_BUILTIN and %KMODD_ERROR_NOT_AUTHORIZED.
 */
void
kmodd_client_unload_async (KmoddClient         *client,
                           const char          *name,
                           KmoddUnloadFlags     flags,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  call_async (client, "Unload", unload_parameters (name, flags),
              kmodd_client_unload_async, cancellable, callback, user_data);
}

/**
 * kmodd_client_unload_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.unload_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the modules removed,
 *   in removal order (with %KMODD_UNLOAD_FLAGS_DRY_RUN: that would be
 *   removed); %NULL on error
 */
GStrv
kmodd_client_unload_finish (KmoddClient   *client,
                            GAsyncResult  *result,
                            GError       **error)
{
  return reply_to_strv (call_finish (client, result, kmodd_client_unload_async, error));
}

/**
 * kmodd_client_unload_sync:
 * @client: a client
 * @name: a module name or alias
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Unloads a module, blocking; see [method@Kmodd.Client.unload_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the modules removed,
 *   in removal order; %NULL on error
 */
GStrv
kmodd_client_unload_sync (KmoddClient      *client,
                          const char       *name,
                          KmoddUnloadFlags  flags,
                          GCancellable     *cancellable,
                          GError          **error)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return reply_to_strv (call_sync (client, "Unload", unload_parameters (name, flags),
                                   cancellable, error));
}

static GVariant *
list_parameters (KmoddListFlags      flags,
                 const char * const *names)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (flags & KMODD_LIST_FLAGS_INCLUDE_BUILTIN)
    g_variant_dict_insert (&options, KMODD_OPTION_INCLUDE_BUILTIN, "b", TRUE);
  if (names != NULL)
    g_variant_dict_insert_value (&options, KMODD_OPTION_NAMES, g_variant_new_strv (names, -1));
  return g_variant_new ("(@a{sv})", g_variant_dict_end (&options));
}

static GPtrArray *
reply_to_modules (GVariant *reply)
{
  g_autoptr(GVariant) entries = NULL;
  GPtrArray *modules;
  GVariantIter iter;
  GVariant *entry;

  if (reply == NULL)
    return NULL;

  entries = g_variant_get_child_value (reply, 0);
  modules = g_ptr_array_new_full (g_variant_n_children (entries), g_object_unref);
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_ptr_array_add (modules, _kmodd_module_new_from_variant (entry));
      g_variant_unref (entry);
    }
  g_variant_unref (reply);
  return modules;
}

/**
 * kmodd_client_list_async:
 * @client: a client
 * @flags: flags
 * @names: (nullable) (array zero-terminated=1): list only these modules
 *   (module names, not aliases), or %NULL for all
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Lists the loaded modules, like lsmod(8). Needs no authorization.
 */
void
kmodd_client_list_async (KmoddClient         *client,
                         KmoddListFlags       flags,
                         const char * const  *names,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (KMODD_IS_CLIENT (client));

  call_async (client, "List", list_parameters (flags, names),
              kmodd_client_list_async, cancellable, callback, user_data);
}

/**
 * kmodd_client_list_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.list_async].
 *
 * Returns: (transfer container) (element-type KmoddModule): the modules, most
 *   recently loaded first (as in `/proc/modules`), then the builtin ones;
 *   %NULL on error
 */
GPtrArray *
kmodd_client_list_finish (KmoddClient   *client,
                          GAsyncResult  *result,
                          GError       **error)
{
  return reply_to_modules (call_finish (client, result, kmodd_client_list_async, error));
}

/**
 * kmodd_client_list_sync:
 * @client: a client
 * @flags: flags
 * @names: (nullable) (array zero-terminated=1): list only these modules, or
 *   %NULL for all
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Lists the loaded modules, blocking; see [method@Kmodd.Client.list_async].
 *
 * Returns: (transfer container) (element-type KmoddModule): the modules;
 *   %NULL on error
 */
GPtrArray *
kmodd_client_list_sync (KmoddClient         *client,
                        KmoddListFlags       flags,
                        const char * const  *names,
                        GCancellable        *cancellable,
                        GError             **error)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);

  return reply_to_modules (call_sync (client, "List", list_parameters (flags, names),
                                      cancellable, error));
}

static KmoddModuleInfo *
reply_to_info (GVariant *reply)
{
  g_autoptr(GVariant) dict = NULL;

  if (reply == NULL)
    return NULL;
  dict = g_variant_get_child_value (reply, 0);
  g_variant_unref (reply);
  return _kmodd_module_info_new_from_variant (dict);
}

/**
 * kmodd_client_info_async:
 * @client: a client
 * @name: a module name or alias
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Describes a module, loaded or not, like modinfo(8). When an alias matches
 * several modules, the first is described. Needs no authorization.
 */
void
kmodd_client_info_async (KmoddClient         *client,
                         const char          *name,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  call_async (client, "Info", g_variant_new ("(sa{sv})", name, NULL),
              kmodd_client_info_async, cancellable, callback, user_data);
}

/**
 * kmodd_client_info_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.info_async].
 *
 * Returns: (transfer full): the module's description; %NULL on error
 */
KmoddModuleInfo *
kmodd_client_info_finish (KmoddClient   *client,
                          GAsyncResult  *result,
                          GError       **error)
{
  return reply_to_info (call_finish (client, result, kmodd_client_info_async, error));
}

/**
 * kmodd_client_info_sync:
 * @client: a client
 * @name: a module name or alias
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Describes a module, blocking; see [method@Kmodd.Client.info_async].
 *
 * Returns: (transfer full): the module's description; %NULL on error
 */
KmoddModuleInfo *
kmodd_client_info_sync (KmoddClient   *client,
                        const char    *name,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return reply_to_info (call_sync (client, "Info", g_variant_new ("(sa{sv})", name, NULL),
                                   cancellable, error));
}

static GVariant *
autoclean_parameters (KmoddAutoCleanFlags flags)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (flags & KMODD_AUTO_CLEAN_FLAGS_ALL)
    g_variant_dict_insert (&options, KMODD_OPTION_ALL, "b", TRUE);
  return g_variant_new ("(@a{sv})", g_variant_dict_end (&options));
}

/**
 * kmodd_client_autoclean_async:
 * @client: a client
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Runs an AutoClean pass now: the modules marked for AutoClean that are
 * unused, and were not used since the last pass, are removed. Modules that
 * are not marked are never touched.
 */
void
kmodd_client_autoclean_async (KmoddClient         *client,
                              KmoddAutoCleanFlags  flags,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (KMODD_IS_CLIENT (client));

  call_async (client, "AutoClean", autoclean_parameters (flags),
              kmodd_client_autoclean_async, cancellable, callback, user_data);
}

/**
 * kmodd_client_autoclean_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.autoclean_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the modules removed,
 *   in removal order; %NULL on error
 */
GStrv
kmodd_client_autoclean_finish (KmoddClient   *client,
                               GAsyncResult  *result,
                               GError       **error)
{
  return reply_to_strv (call_finish (client, result, kmodd_client_autoclean_async, error));
}

/**
 * kmodd_client_autoclean_sync:
 * @client: a client
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Runs an AutoClean pass now, blocking; see
 * [method@Kmodd.Client.autoclean_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): the modules removed,
 *   in removal order; %NULL on error
 */
GStrv
kmodd_client_autoclean_sync (KmoddClient         *client,
                             KmoddAutoCleanFlags  flags,
                             GCancellable        *cancellable,
                             GError             **error)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);

  return reply_to_strv (call_sync (client, "AutoClean", autoclean_parameters (flags),
                                   cancellable, error));
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
kmodd_client_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KmoddClient *self = KMODD_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    case PROP_ALLOW_INTERACTIVE_AUTHORIZATION:
      g_value_set_boolean (value, self->allow_interactive);
      break;
    case PROP_SERVICE_RUNNING:
      g_value_set_boolean (value, kmodd_client_get_service_running (self));
      break;
    case PROP_VERSION:
      g_value_set_string (value, kmodd_client_get_version (self));
      break;
    case PROP_KERNEL_RELEASE:
      g_value_set_string (value, kmodd_client_get_kernel_release (self));
      break;
    case PROP_MODULES_DISABLED:
      g_value_set_boolean (value, kmodd_client_get_modules_disabled (self));
      break;
    case PROP_LOCKDOWN:
      g_value_set_string (value, kmodd_client_get_lockdown (self));
      break;
    case PROP_SIGNATURES_ENFORCED:
      g_value_set_boolean (value, kmodd_client_get_signatures_enforced (self));
      break;
    case PROP_AUTOCLEAN_INTERVAL:
      g_value_set_uint (value, kmodd_client_get_autoclean_interval (self));
      break;
    case PROP_AUTOCLEAN_MARKS:
      g_value_set_uint (value, kmodd_client_get_autoclean_marks (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
kmodd_client_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  KmoddClient *self = KMODD_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    case PROP_FLAGS:
      self->flags = g_value_get_flags (value);
      break;
    case PROP_ALLOW_INTERACTIVE_AUTHORIZATION:
      kmodd_client_set_allow_interactive_authorization (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
kmodd_client_dispose (GObject *object)
{
  KmoddClient *self = KMODD_CLIENT (object);

  g_clear_object (&self->proxy);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (kmodd_client_parent_class)->dispose (object);
}

static void
kmodd_client_init (KmoddClient *self)
{
}

static void
kmodd_client_class_init (KmoddClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kmodd_client_get_property;
  object_class->set_property = kmodd_client_set_property;
  object_class->dispose = kmodd_client_dispose;

  /* register the error domain with GDBus before any call can fail */
  g_type_ensure (KMODD_TYPE_ERROR);
  (void) KMODD_ERROR;

  /**
   * KmoddClient:connection: (getter get_connection)
   *
   * The bus connection; %NULL at construction for the system bus.
   */
  props[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * KmoddClient:flags: (getter get_flags)
   *
   * How the client was created.
   */
  props[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL, KMODD_TYPE_CLIENT_FLAGS, KMODD_CLIENT_FLAGS_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * KmoddClient:allow-interactive-authorization: (getter get_allow_interactive_authorization) (setter set_allow_interactive_authorization)
   *
   * Whether calls allow polkit to ask the user for a password. %TRUE for
   * panels, where an authentication agent runs; %FALSE (the default) for
   * scripts, which then get %KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED
   * instead of a prompt nobody answers.
   */
  props[PROP_ALLOW_INTERACTIVE_AUTHORIZATION] =
    g_param_spec_boolean ("allow-interactive-authorization", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KmoddClient:service-running: (getter get_service_running)
   *
   * Whether the service runs (its bus name has an owner).
   */
  props[PROP_SERVICE_RUNNING] =
    g_param_spec_boolean ("service-running", NULL, NULL, FALSE, ro);

  /**
   * KmoddClient:version: (getter get_version)
   *
   * The version of the service; %NULL while it does not run.
   */
  props[PROP_VERSION] = g_param_spec_string ("version", NULL, NULL, NULL, ro);

  /**
   * KmoddClient:kernel-release: (getter get_kernel_release)
   *
   * The running kernel's release; %NULL while the service does not run.
   */
  props[PROP_KERNEL_RELEASE] = g_param_spec_string ("kernel-release", NULL, NULL, NULL, ro);

  /**
   * KmoddClient:modules-disabled: (getter get_modules_disabled)
   *
   * Whether module loading and unloading is disabled until the next boot.
   */
  props[PROP_MODULES_DISABLED] =
    g_param_spec_boolean ("modules-disabled", NULL, NULL, FALSE, ro);

  /**
   * KmoddClient:lockdown: (getter get_lockdown)
   *
   * The kernel's lockdown mode; %NULL while the service does not run.
   */
  props[PROP_LOCKDOWN] = g_param_spec_string ("lockdown", NULL, NULL, NULL, ro);

  /**
   * KmoddClient:signatures-enforced: (getter get_signatures_enforced)
   *
   * Whether the kernel loads only signed modules.
   */
  props[PROP_SIGNATURES_ENFORCED] =
    g_param_spec_boolean ("signatures-enforced", NULL, NULL, FALSE, ro);

  /**
   * KmoddClient:autoclean-interval: (getter get_autoclean_interval)
   *
   * Seconds between two AutoClean passes; 0 when the timer is off.
   */
  props[PROP_AUTOCLEAN_INTERVAL] =
    g_param_spec_uint ("autoclean-interval", NULL, NULL, 0, G_MAXUINT, 0, ro);

  /**
   * KmoddClient:autoclean-marks: (getter get_autoclean_marks)
   *
   * The number of modules marked for AutoClean.
   */
  props[PROP_AUTOCLEAN_MARKS] =
    g_param_spec_uint ("autoclean-marks", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * KmoddClient::module-loaded:
   * @client: the client
   * @name: the module's name
   * @event: the event, with the reason and who asked
   *
   * Emitted when a module entered the kernel, whoever loaded it.
   */
  signals[SIGNAL_MODULE_LOADED] =
    g_signal_new ("module-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, KMODD_TYPE_MODULE_EVENT);

  /**
   * KmoddClient::module-unloaded:
   * @client: the client
   * @name: the module's name
   * @event: the event, with the reason and who asked
   *
   * Emitted when a module left the kernel, whoever removed it.
   */
  signals[SIGNAL_MODULE_UNLOADED] =
    g_signal_new ("module-unloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, KMODD_TYPE_MODULE_EVENT);
}
