/* kmodd-client.c: KmoddClient, on the proxy gdbus-codegen makes from the
 * interface XML: the GObject, its initialization, the proxy's properties
 * and signals relayed. The constructors are in kmodd-client-new.c, the
 * property accessors in kmodd-client-properties.c, the calls in
 * kmodd-client-calls.c (and kmodd-client-config.c); the instance structure
 * they share is in kmodd-private.h.
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
 * own, or [func@Kmodd.Client.new_for_host] for the service of another
 * machine, over SSH), then load, unload, reload, list and describe modules with the methods, each
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
 * signals into [signal@Kmodd.Client::module-loaded],
 * [signal@Kmodd.Client::module-unloaded] and
 * [signal@Kmodd.Client::devices-changed]. They are delivered in the
 * thread-default main context of the thread that created the client.
 *
 * Loading, unloading, reloading and AutoClean need polkit's authorization for callers
 * other than root. When polkit would ask for a password, the call fails with
 * %KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED unless
 * [property@Kmodd.Client:allow-interactive-authorization] is set, in which
 * case polkit asks the user through their authentication agent and the call
 * waits for it (without a timeout). Panels set it; scripts leave it unset.
 */
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
  PROP_HOST,
  PROP_CONNECT_TIMEOUT,
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
  SIGNAL_DEVICES_CHANGED,
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
emit_event (KmoddClient         *self,
            const char          *name,
            GVariant            *details,
            KmoddModuleEventKind kind)
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

static void
on_devices_changed (KmoddDBusManager *proxy,
                    const char       *syspath,
                    const char       *action,
                    GVariant         *details,
                    KmoddClient      *self)
{
  g_signal_emit (self, signals[SIGNAL_DEVICES_CHANGED], 0, syspath, action, details);
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
  g_signal_connect_object (proxy, "devices-changed",
                           G_CALLBACK (on_devices_changed), self, 0);
  g_signal_connect_object (proxy, "module-loaded",
                           G_CALLBACK (on_module_loaded), self, 0);
  g_signal_connect_object (proxy, "module-unloaded",
                           G_CALLBACK (on_module_unloaded), self, 0);
}

/* ---- GInitable and GAsyncInitable ------------------------------------------- */

static gboolean
check_host (KmoddClient *self,
            GError     **error)
{
  if (self->host == NULL || self->connection == NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "A client takes a host or a connection, not both");
  return FALSE;
}

static gboolean
kmodd_client_initable_init (GInitable    *initable,
                            GCancellable *cancellable,
                            GError      **error)
{
  KmoddClient *self = KMODD_CLIENT (initable);
  KmoddDBusManager *proxy;

  if (self->proxy != NULL)
    return TRUE;

  if (!check_host (self, error))
    return FALSE;
  if (self->connection == NULL && self->host != NULL)
    {
      self->connection = _kmodd_connect_to_host_sync (self->host, self->connect_timeout,
                                                      cancellable, error);
      if (self->connection == NULL)
        return FALSE;
    }
  else if (self->connection == NULL)
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
on_host_ready (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  GTask *task = user_data;
  KmoddClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  GDBusConnection *connection = _kmodd_connect_to_host_finish (res, &error);

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
kmodd_client_init_async (GAsyncInitable     *initable,
                         int                 io_priority,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  KmoddClient *self = KMODD_CLIENT (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, kmodd_client_init_async);
  g_task_set_priority (task, io_priority);

  if (self->proxy != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else if (!check_host (self, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
    }
  else if (self->connection == NULL && self->host != NULL)
    _kmodd_connect_to_host_async (self->host, self->connect_timeout, cancellable,
                                  on_host_ready, task);
  else if (self->connection == NULL)
    g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_bus_ready, task);
  else
    make_proxy (task);
}

static gboolean
kmodd_client_init_finish (GAsyncInitable *initable,
                          GAsyncResult   *result,
                          GError        **error)
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
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
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
    case PROP_HOST:
      self->host = g_value_dup_string (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      self->connect_timeout = g_value_get_uint (value);
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
kmodd_client_finalize (GObject *object)
{
  KmoddClient *self = KMODD_CLIENT (object);

  g_free (self->host);

  G_OBJECT_CLASS (kmodd_client_parent_class)->finalize (object);
}

static void
kmodd_client_init (KmoddClient *self)
{
  self->connect_timeout = KMODD_CLIENT_DEFAULT_CONNECT_TIMEOUT;
}

static void
kmodd_client_class_init (KmoddClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kmodd_client_get_property;
  object_class->set_property = kmodd_client_set_property;
  object_class->dispose = kmodd_client_dispose;
  object_class->finalize = kmodd_client_finalize;

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
   * KmoddClient:host: (getter get_host)
   *
   * The host whose system bus the client reaches over SSH, as
   * `[USER@]HOST[:PORT]`; %NULL (the default) for a local bus. See
   * [func@Kmodd.Client.new_for_host]. It cannot go with
   * [property@Kmodd.Client:connection].
   */
  props[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * KmoddClient:connect-timeout: (getter get_connect_timeout)
   *
   * For a client of a [property@Kmodd.Client:host]: the seconds it waits
   * for the connection (ssh's own prompts included) before it kills ssh
   * and fails with %G_IO_ERROR_TIMED_OUT; 0 to wait for ever.
   */
  props[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL, 0, G_MAXUINT,
                       KMODD_CLIENT_DEFAULT_CONNECT_TIMEOUT,
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

  /**
   * KmoddClient::devices-changed:
   * @client: the client
   * @syspath: the device's path in sysfs, as [method@Kmodd.Device.get_syspath]
   * @action: `add`, `remove`, `bind` (a driver took it) or `unbind`
   * @details: the `a{sv}` the service sent: `subsystem` and `modalias`
   *   (`s`), `driver` (`s`) on `bind`
   *
   * Emitted when a device with a modalias came, went, or gained or lost its
   * driver, whoever did it. List the devices again
   * ([method@Kmodd.Client.devices_async]) to show the change: the answer
   * already holds it.
   */
  signals[SIGNAL_DEVICES_CHANGED] =
    g_signal_new ("devices-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_VARIANT);
}
