/* kmodd-manager.c: the org.freedesktop.KernelModules1.Manager object.
 *
 * Every request that changes the kernel goes through the same steps, each
 * of which may end it with an error and no change:
 *
 *   1. its options and name are checked (kmodd-validate.c);
 *   2. it is checked against the kernel without changing anything, so that
 *      "not found", "blacklisted", "in use" come before any password prompt
 *      (and a dry run ends here);
 *   3. it is authorized (kmodd-authority.c);
 *   4. it waits its turn on a worker thread, which does it
 *      (kmodd-worker.c, kmodd-kernel.c);
 *   5. the reply goes out, the change is logged with who asked, and the
 *      kernel's uevents become ModuleLoaded/ModuleUnloaded signals
 *      (kmodd-monitor.c).
 *
 * A connection may have KMODD_CALLER_INFLIGHT_MAX requests in flight, a
 * user other than root KMODD_USER_INFLIGHT_MAX (kmodd-manager-callers.c);
 * when a caller disconnects, its requests not yet started are cancelled.
 *
 * On SIGTERM (kmodd_manager_shutdown) every caller gets an answer: the
 * request the worker is running is finished and answered, the ones
 * queued or waiting for polkit are answered with Stopping at once, and
 * nothing of them is done; GetConfiguration calls waiting for a read of
 * the initramfs get their answer without what it holds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <malloc.h>

#include "kmodd-error.h"
#include "kmodd-manager-private.h"
#include "kmodd-names.h"
#include "kmodd-records-file.h"
#include "kmodd-validate.h"

G_DEFINE_TYPE (KmoddManager, kmodd_manager, G_TYPE_OBJECT)

enum {
  SIGNAL_IDLE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
manager_emit_idle (KmoddManager *self)
{
  g_signal_emit (self, signals[SIGNAL_IDLE], 0);
}

/* ---- the skeleton ---------------------------------------------------------- */

/* The generated skeleton, except that the properties that follow the
 * kernel's own settings (kernel.modules_disabled can be set at any time,
 * lockdown raised) are read from the kernel whenever a client reads them,
 * with PropertiesChanged when they changed. Nothing polls. */
typedef struct {
  KmoddDBusManagerSkeleton parent_instance;
} KmoddLiveSkeleton;

typedef struct {
  KmoddDBusManagerSkeletonClass parent_class;
} KmoddLiveSkeletonClass;

static GType kmodd_live_skeleton_get_type (void);
G_DEFINE_TYPE (KmoddLiveSkeleton, kmodd_live_skeleton, KMODD_DBUS_TYPE_MANAGER_SKELETON)

void
manager_refresh_kernel_properties (KmoddDBusManager *iface)
{
  g_autofree char *lockdown = kmodd_kernel_lockdown ();
  gboolean disabled = kmodd_kernel_modules_disabled ();
  gboolean enforced = kmodd_kernel_signatures_enforced ();

  /* only on a change, so that no PropertiesChanged goes out for nothing */
  if (kmodd_dbus_manager_get_modules_disabled (iface) != disabled)
    kmodd_dbus_manager_set_modules_disabled (iface, disabled);
  if (g_strcmp0 (kmodd_dbus_manager_get_lockdown (iface), lockdown) != 0)
    kmodd_dbus_manager_set_lockdown (iface, lockdown);
  if (kmodd_dbus_manager_get_signatures_enforced (iface) != enforced)
    kmodd_dbus_manager_set_signatures_enforced (iface, enforced);
}

static GDBusInterfaceVTable live_vtable;
static GDBusInterfaceGetPropertyFunc parent_get_property;
static GDBusInterfaceMethodCallFunc parent_method_call;

/* Every method call, whatever its method, passes here first: the gate
 * (kmodd-gate.c) refuses methods without a rule before any handler runs. */
static void
gated_method_call (GDBusConnection       *connection,
                   const char            *sender,
                   const char            *object_path,
                   const char            *interface_name,
                   const char            *method_name,
                   GVariant              *parameters,
                   GDBusMethodInvocation *invocation,
                   gpointer               user_data)
{
  g_autoptr(GError) error = NULL;

  if (kmodd_gate_admit (method_name, sender, parameters, &error) == NULL)
    {
      kmodd_gate_return_error (invocation, error);
      return;
    }

  parent_method_call (connection, sender, object_path, interface_name, method_name,
                      parameters, invocation, user_data);
}

static GVariant *
live_get_property (GDBusConnection *connection,
                   const char      *sender,
                   const char      *object_path,
                   const char      *interface_name,
                   const char      *property_name,
                   GError         **error,
                   gpointer         user_data)
{
  if (g_str_equal (property_name, "ModulesDisabled") ||
      g_str_equal (property_name, "Lockdown") ||
      g_str_equal (property_name, "SignaturesEnforced"))
    manager_refresh_kernel_properties (KMODD_DBUS_MANAGER (user_data));

  return parent_get_property (connection, sender, object_path, interface_name,
                              property_name, error, user_data);
}

static GDBusInterfaceVTable *
kmodd_live_skeleton_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  GDBusInterfaceVTable *parent =
    G_DBUS_INTERFACE_SKELETON_CLASS (kmodd_live_skeleton_parent_class)->get_vtable (skeleton);

  parent_get_property = parent->get_property;
  parent_method_call = parent->method_call;
  live_vtable = *parent;
  live_vtable.get_property = live_get_property;
  live_vtable.method_call = gated_method_call;
  return &live_vtable;
}

static void
kmodd_live_skeleton_init (KmoddLiveSkeleton *skeleton)
{
}

static void
kmodd_live_skeleton_class_init (KmoddLiveSkeletonClass *klass)
{
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = kmodd_live_skeleton_get_vtable;
}

/* ---- method handlers --------------------------------------------------------------- */

/* Step 1 for every method that changes something: options, name, limits. */
gboolean
manager_accept_call (KmoddManager          *self,
                     GDBusMethodInvocation *invocation,
                     const char            *name,
                     GVariant              *options,
                     const KmoddOptionSpec *spec)
{
  g_autoptr(GError) error = NULL;
  Caller *caller;

  manager_log_debug_call (invocation, name, options);

  if (!kmodd_options_check (options, spec, &error) ||
      (name != NULL && !kmodd_name_validate (name, NULL, &error)))
    {
      manager_return_error (invocation, error);
      return FALSE;
    }

  caller = g_hash_table_lookup (self->callers, g_dbus_method_invocation_get_sender (invocation));
  if (caller != NULL && caller->inflight >= KMODD_CALLER_INFLIGHT_MAX)
    {
      g_set_error (&error, KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED,
                   "Too many requests in flight from this caller (at most %d)",
                   KMODD_CALLER_INFLIGHT_MAX);
      manager_return_error (invocation, error);
      return FALSE;
    }
  return TRUE;
}

static void
reply_strv_and_free (Request *request,
                     GStrv    names)
{
  g_dbus_method_invocation_return_value (request->invocation,
                                         g_variant_new ("(^as)", names));
  g_strfreev (names);
  manager_request_free (request);
}

static gboolean
handle_load (KmoddDBusManager      *skeleton,
             GDBusMethodInvocation *invocation,
             const char            *name,
             GVariant              *options,
             KmoddManager          *self)
{
  g_autoptr(Request) request = NULL;
  g_autoptr(GError) error = NULL;
  GStrv planned = NULL;

  if (!manager_accept_call (self, invocation, name, options,
                            kmodd_load_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  request = manager_request_new (self, invocation, METHOD_LOAD);
  request->name = g_strdup (name);
  g_variant_lookup (options, KMODD_OPTION_AUTOCLEAN, "b", &request->autoclean);
  g_variant_lookup (options, KMODD_OPTION_DRY_RUN, "b", &request->dry_run);
  g_variant_lookup (options, KMODD_OPTION_NO_BLOCK, "b", &request->no_block);
  if (g_variant_lookup (options, KMODD_OPTION_PARAMETERS, "s", &request->parameters_text))
    {
      request->parameters = kmodd_parameters_parse (request->parameters_text, &error);
      if (request->parameters == NULL)
        {
          manager_return_error (invocation, error);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
    }

  /* step 2: the plan, which is also the answer of a dry run */
  if (!kmodd_kernel_load (self->kernel, name, request->parameters, TRUE,
                          NULL, NULL, &planned, &error))
    {
      manager_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (request->dry_run)
    {
      reply_strv_and_free (g_steal_pointer (&request), planned);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_strfreev (planned);

  request->modules = kmodd_kernel_resolve_all (self->kernel, name, FALSE, NULL);
  manager_admit (self, g_steal_pointer (&request));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_unload (KmoddDBusManager      *skeleton,
               GDBusMethodInvocation *invocation,
               const char            *name,
               GVariant              *options,
               KmoddManager          *self)
{
  g_autoptr(Request) request = NULL;
  g_autoptr(GError) error = NULL;
  GStrv planned;

  if (!manager_accept_call (self, invocation, name, options,
                            kmodd_unload_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  request = manager_request_new (self, invocation, METHOD_UNLOAD);
  request->name = g_strdup (name);
  g_variant_lookup (options, KMODD_OPTION_DEPENDENCIES, "b", &request->dependencies);
  g_variant_lookup (options, KMODD_OPTION_UNBIND, "b", &request->unbind);
  g_variant_lookup (options, KMODD_OPTION_DRY_RUN, "b", &request->dry_run);

  /* While the worker is busy, the kernel's state is in motion: a module
   * that an earlier request is loading right now would look "being loaded"
   * or "not loaded" here. Then only the name is checked now, and the rest
   * when the request's turn comes, against the state it will find. */
  if (request->dry_run || kmodd_worker_get_pending (self->worker) == 0)
    {
      planned = kmodd_kernel_unload (self->kernel, name, request->dependencies,
                                     request->unbind, TRUE, NULL, NULL, &error);
      if (planned == NULL)
        {
          manager_return_error (invocation, error);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      if (request->dry_run)
        {
          reply_strv_and_free (g_steal_pointer (&request), planned);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      g_strfreev (planned);
    }

  request->modules = kmodd_kernel_resolve_all (self->kernel, name, TRUE, &error);
  if (request->modules == NULL)
    {
      manager_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  manager_admit (self, g_steal_pointer (&request));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_autoclean (KmoddDBusManager      *skeleton,
                  GDBusMethodInvocation *invocation,
                  GVariant              *options,
                  KmoddManager          *self)
{
  Request *request;

  if (!manager_accept_call (self, invocation, NULL, options,
                            kmodd_autoclean_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  request = manager_request_new (self, invocation, METHOD_AUTOCLEAN);
  g_variant_lookup (options, KMODD_OPTION_ALL, "b", &request->all);
  manager_admit (self, request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- kernel events ------------------------------------------------------------------ */

static void
on_module_changed (KmoddMonitor *monitor,
                   const char   *name,
                   gboolean      added,
                   const char   *reason,
                   guint         uid,
                   gboolean      has_uid,
                   KmoddManager *self)
{
  g_auto(GVariantDict) details = G_VARIANT_DICT_INIT (NULL);
  GVariant *details_v;

  g_variant_dict_insert (&details, KMODD_DETAIL_REASON, "s", reason);
  if (has_uid && uid != NO_UID)
    g_variant_dict_insert (&details, KMODD_DETAIL_UID, "u", uid);
  details_v = g_variant_dict_end (&details);

  if (added)
    kmodd_dbus_manager_emit_module_loaded (self->skeleton, name, details_v);
  else
    kmodd_dbus_manager_emit_module_unloaded (self->skeleton, name, details_v);

  /* A record, and its mark, belong to one load of the module: they go when
   * that load leaves the kernel, however it leaves, and when someone else
   * has loaded the module again meanwhile (the events may come late). */
  if (kmodd_autoclean_forget_other_instance (self->autoclean, name,
                                             kmodd_kernel_get_instance (name)))
    manager_save_state (self);

  if (g_str_equal (reason, KMODD_REASON_EXTERNAL))
    g_message ("Module %s was %s outside kmodd", name, added ? "loaded" : "unloaded");

  manager_refresh_properties (self);
  manager_schedule_autoclean (self);
}

/* ---- life cycle ------------------------------------------------------------------------ */

static void
configurator_activity (GObject *owner)
{
  manager_update_idle (KMODD_MANAGER (owner));
}

static void
restore_state (KmoddManager *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  gboolean changed = FALSE;
  guint i;

  if (!kmodd_records_file_load (self->autoclean, self->state_dir, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Cannot read the saved AutoClean marks: %s", error->message);
      return;
    }

  /* keep the records of the loads still in the kernel; drop the others,
   * including those of modules removed and loaded again while we were not
   * running: that load is not ours */
  records = kmodd_autoclean_snapshot (self->autoclean);
  for (i = 0; i < records->len; i++)
    {
      const char *name = ((KmoddRecord *) g_ptr_array_index (records, i))->name;

      changed |= kmodd_autoclean_forget_other_instance (self->autoclean, name,
                                                        kmodd_kernel_get_instance (name));
    }
  if (changed)
    manager_save_state (self);

  g_message ("Restored %u AutoClean mark(s)", kmodd_autoclean_count_marks (self->autoclean));
}

KmoddManager *
kmodd_manager_new (const KmoddConfig *config,
                   GError           **error)
{
  g_autoptr(KmoddManager) self = g_object_new (KMODD_TYPE_MANAGER, NULL);
  g_autoptr(GError) monitor_error = NULL;
  g_autofree char *release = kmodd_kernel_release ();

  self->config = *config;
  self->kernel = kmodd_kernel_new (error);
  if (self->kernel == NULL)
    return NULL;

  self->state_dir = kmodd_records_file_default_dir ();
  self->authority = kmodd_authority_new (config->authorization_timeout);
  self->refusals = kmodd_refusals_new ();
  self->worker = kmodd_worker_new (KMODD_WORKERS_MAX, KMODD_QUEUE_MAX);

  self->monitor = kmodd_monitor_new ();
  if (!kmodd_monitor_start (self->monitor, &monitor_error))
    g_warning ("No ModuleLoaded/ModuleUnloaded/DevicesChanged signals: %s",
               monitor_error->message);
  else
    {
      kmodd_kernel_keep_devices (self->kernel, TRUE);
      self->devices_followed = TRUE;
    }
  g_signal_connect (self->monitor, "module-changed", G_CALLBACK (on_module_changed), self);
  g_signal_connect (self->monitor, "device-changed", G_CALLBACK (manager_on_device_changed), self);

  restore_state (self);

  self->skeleton = g_object_new (kmodd_live_skeleton_get_type (), NULL);
  kmodd_dbus_manager_set_version (self->skeleton, PACKAGE_VERSION);
  kmodd_dbus_manager_set_kernel_release (self->skeleton, release);
  kmodd_dbus_manager_set_auto_clean_interval (self->skeleton, config->autoclean_interval);
  manager_refresh_properties (self);

  g_signal_connect (self->skeleton, "handle-load", G_CALLBACK (handle_load), self);
  g_signal_connect (self->skeleton, "handle-unload", G_CALLBACK (handle_unload), self);
  g_signal_connect (self->skeleton, "handle-reload", G_CALLBACK (manager_handle_reload), self);
  g_signal_connect (self->skeleton, "handle-list", G_CALLBACK (manager_handle_list), self);
  g_signal_connect (self->skeleton, "handle-info", G_CALLBACK (manager_handle_info), self);
  g_signal_connect (self->skeleton, "handle-list-available",
                    G_CALLBACK (manager_handle_list_available), self);
  g_signal_connect (self->skeleton, "handle-devices", G_CALLBACK (manager_handle_devices), self);
  g_signal_connect (self->skeleton, "handle-auto-clean", G_CALLBACK (handle_autoclean), self);
  self->configurator = kmodd_configurator_new (G_OBJECT (self), KMODD_DBUS_MANAGER (self->skeleton),
                                               self->kernel, self->authority);
  kmodd_configurator_set_activity_func (self->configurator, configurator_activity);

  return g_steal_pointer (&self);
}

gboolean
kmodd_manager_export (KmoddManager    *self,
                      GDBusConnection *connection,
                      GError         **error)
{
  self->connection = g_object_ref (connection);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                         connection, KMODD_DBUS_PATH, error))
    return FALSE;

  manager_schedule_autoclean (self);
  manager_update_idle (self);
  return TRUE;
}

void
kmodd_manager_shutdown (KmoddManager *self)
{
  GHashTableIter iter;
  Caller *caller;
  guint cancelled = 0;

  if (self->skeleton != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_clear_handle_id (&self->trim_id, g_source_remove);

  if (self->worker != NULL && !self->stopping)
    {
      self->stopping = TRUE;
      /* what is queued is answered with Stopping at once; what waits for
       * polkit is cancelled and answered with Stopping too */
      cancelled = kmodd_worker_cancel_queued (self->worker);
      g_hash_table_iter_init (&iter, self->callers);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &caller))
        g_cancellable_cancel (caller->cancellable);
      if (self->requests > 0)
        g_message ("Stopping: finishing the request that is running, answering "
                   "%u queued and the others with Stopping",
                   cancelled);

      /* The request running finishes (the kernel cannot be interrupted;
       * install commands are stopped after 60 s) and is answered. */
      while (self->requests > 0)
        g_main_context_iteration (NULL, TRUE);
    }

  /* GetConfiguration calls waiting for the initramfs are answered too */
  if (self->configurator != NULL)
    kmodd_configurator_shutdown (self->configurator);

  g_clear_pointer (&self->worker, kmodd_worker_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* the answers must leave before the process does */
  if (self->connection != NULL && !g_dbus_connection_is_closed (self->connection))
    g_dbus_connection_flush_sync (self->connection, NULL, NULL);
}

static void
kmodd_manager_finalize (GObject *object)
{
  KmoddManager *self = KMODD_MANAGER (object);

  kmodd_manager_shutdown (self);

  g_clear_pointer (&self->configurator, kmodd_configurator_free);
  g_hash_table_unref (self->callers);
  g_hash_table_unref (self->users);
  manager_replies_clear (self);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->monitor);
  g_clear_pointer (&self->authority, kmodd_authority_free);
  g_clear_pointer (&self->refusals, kmodd_refusals_free);
  g_clear_pointer (&self->autoclean, kmodd_autoclean_free);
  g_clear_pointer (&self->kernel, kmodd_kernel_free);
  g_clear_object (&self->connection);
  g_free (self->state_dir);
  g_mutex_clear (&self->save_lock);

  G_OBJECT_CLASS (kmodd_manager_parent_class)->finalize (object);
}

static void
kmodd_manager_init (KmoddManager *self)
{
  manager_replies_init (self);
  g_mutex_init (&self->save_lock);
  self->callers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) manager_caller_free);
  self->users = g_hash_table_new (NULL, NULL);
  self->autoclean = kmodd_autoclean_new ();
  kmodd_config_init_defaults (&self->config);
}

static void
kmodd_manager_class_init (KmoddManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kmodd_manager_finalize;

  /**
   * KmoddManager::idle:
   *
   * Emitted when the service has been idle, with no AutoClean marks, for
   * IdleTimeout seconds.
   */
  signals[SIGNAL_IDLE] =
    g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}
