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
 *   4. it waits its turn on the worker thread, which does it
 *      (kmodd-worker.c, kmodd-kernel.c);
 *   5. the reply goes out, the change is logged with who asked, and the
 *      kernel's uevents become ModuleLoaded/ModuleUnloaded signals
 *      (kmodd-monitor.c).
 *
 * A caller may have KMODD_CALLER_INFLIGHT_MAX requests in flight; when it
 * disconnects, the ones not yet done are cancelled.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <malloc.h>

#include "kmodd-authority.h"
#include "kmodd-autoclean.h"
#include "kmodd-dbus-generated.h"
#include "kmodd-error.h"
#include "kmodd-kernel.h"
#include "kmodd-manager.h"
#include "kmodd-monitor.h"
#include "kmodd-names.h"
#include "kmodd-records-file.h"
#include "kmodd-validate.h"
#include "kmodd-worker.h"

#define NO_UID G_MAXUINT32

typedef struct _Caller Caller;

struct _KmoddManager {
  GObject              parent_instance;

  KmoddConfig          config;
  KmoddDBusManager    *skeleton;
  GDBusConnection     *connection;

  KmoddKernel         *kernel; /* main thread only */
  KmoddWorker         *worker;
  KmoddMonitor        *monitor;
  KmoddAutoclean      *autoclean;
  KmoddAuthority      *authority;

  char                *state_dir;
  GMutex               save_lock;

  GHashTable          *callers; /* unique name -> Caller */
  guint                inflight;
  guint                requests; /* alive, from arrival until freed: the idle exit waits for them */

  KmoddAutocleanTimer  timer;
  guint                timer_id;
  gboolean             timer_running;
  gboolean             pass_queued;
  guint                idle_id;
  guint                trim_id;
  gint64               last_call;

  GVariant            *list_keys[10];   /* N_KEYS */
  GVariant            *list_reply;      /* the last plain List reply, */
  GBytes              *list_contents;   /* built from this /proc/modules */
  guint64              list_generation; /* and these records */
};

G_DEFINE_TYPE (KmoddManager, kmodd_manager, G_TYPE_OBJECT)

enum {
  SIGNAL_IDLE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_autoclean (KmoddManager *self);
static void update_idle (KmoddManager *self);

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

static void
refresh_kernel_properties (KmoddDBusManager *iface)
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
    refresh_kernel_properties (KMODD_DBUS_MANAGER (user_data));

  return parent_get_property (connection, sender, object_path, interface_name,
                              property_name, error, user_data);
}

static GDBusInterfaceVTable *
kmodd_live_skeleton_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  GDBusInterfaceVTable *parent =
    G_DBUS_INTERFACE_SKELETON_CLASS (kmodd_live_skeleton_parent_class)->get_vtable (skeleton);

  parent_get_property = parent->get_property;
  live_vtable = *parent;
  live_vtable.get_property = live_get_property;
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

/* ---- callers ------------------------------------------------------------- */

struct _Caller {
  KmoddManager *manager;
  char         *sender;
  guint         inflight;
  GCancellable *cancellable;
  guint         subscription_id;
};

static void
caller_free (Caller *caller)
{
  if (caller->subscription_id != 0 && caller->manager->connection != NULL)
    g_dbus_connection_signal_unsubscribe (caller->manager->connection,
                                          caller->subscription_id);
  g_clear_object (&caller->cancellable);
  g_free (caller->sender);
  g_free (caller);
}

static void
on_name_owner_changed (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  Caller *caller = user_data;
  const char *name;
  const char *old_owner;
  const char *new_owner;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (!g_str_equal (name, caller->sender) || new_owner[0] != '\0')
    return;

  g_message ("Caller %s disconnected; cancelling its %u request(s)",
             caller->sender, caller->inflight);
  g_cancellable_cancel (caller->cancellable);
}

static Caller *
caller_ref (KmoddManager *self,
            const char   *sender)
{
  Caller *caller = g_hash_table_lookup (self->callers, sender);

  if (caller == NULL)
    {
      caller = g_new0 (Caller, 1);
      caller->manager = self;
      caller->sender = g_strdup (sender);
      caller->cancellable = g_cancellable_new ();
      caller->subscription_id =
        g_dbus_connection_signal_subscribe (self->connection,
                                            KMODD_BUS_DRIVER_NAME,
                                            KMODD_BUS_DRIVER_INTERFACE,
                                            "NameOwnerChanged",
                                            KMODD_BUS_DRIVER_PATH,
                                            sender,
                                            G_DBUS_SIGNAL_FLAGS_NONE,
                                            on_name_owner_changed,
                                            caller, NULL);
      g_hash_table_insert (self->callers, caller->sender, caller);
    }
  caller->inflight++;
  self->inflight++;
  return caller;
}

static void
caller_unref (KmoddManager *self,
              Caller       *caller)
{
  g_assert (caller->inflight > 0 && self->inflight > 0);
  self->inflight--;
  if (--caller->inflight == 0)
    g_hash_table_remove (self->callers, caller->sender);
}

/* ---- requests -------------------------------------------------------------- */

typedef enum {
  METHOD_LOAD,
  METHOD_UNLOAD,
  METHOD_AUTOCLEAN,
} Method;

static const char *const method_names[] = { "Load", "Unload", "AutoClean" };

typedef struct {
  KmoddManager          *manager;
  GDBusMethodInvocation *invocation; /* NULL once answered early, and for the timer's passes */
  Caller                *caller;     /* NULL likewise */
  char                  *sender;     /* NULL for the timer's passes */
  gboolean               timer;
  Method                 method;
  char                  *name;
  char                  *module;     /* what name resolved to */
  GPtrArray             *parameters;
  char                  *parameters_text;
  gboolean               autoclean;
  gboolean               dry_run;
  gboolean               no_block;
  gboolean               dependencies;
  gboolean               unbind;
  gboolean               all;
  guint32                uid;
} Request;

static void
request_free (Request *request)
{
  KmoddManager *self = request->manager;

  if (request->caller != NULL)
    caller_unref (self, request->caller);
  g_clear_object (&request->invocation);
  g_free (request->sender);
  g_free (request->name);
  g_free (request->module);
  g_clear_pointer (&request->parameters, g_ptr_array_unref);
  g_free (request->parameters_text);
  g_free (request);

  g_assert (self->requests > 0);
  self->requests--;
  update_idle (self);
  g_object_unref (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static Request *
request_new (KmoddManager          *self,
             GDBusMethodInvocation *invocation,
             Method                 method)
{
  Request *request = g_new0 (Request, 1);

  request->manager = g_object_ref (self);
  self->requests++;
  request->method = method;
  request->uid = NO_UID;
  if (invocation != NULL)
    {
      request->invocation = g_object_ref (invocation);
      request->sender = g_strdup (g_dbus_method_invocation_get_sender (invocation));
      request->caller = caller_ref (self, request->sender);
    }
  else
    request->timer = TRUE;
  return request;
}

static const char *
request_reason (Request *request)
{
  return request->method == METHOD_AUTOCLEAN ? KMODD_REASON_AUTOCLEAN : KMODD_REASON_REQUEST;
}

static void
return_error (GDBusMethodInvocation *invocation,
              const GError          *error)
{
  g_autofree char *escaped = kmodd_escape (error->message);

  g_debug ("%s() from %s failed: %s",
           g_dbus_method_invocation_get_method_name (invocation),
           g_dbus_method_invocation_get_sender (invocation), escaped);
  g_dbus_method_invocation_return_gerror (invocation, error);
}

static void
log_debug_call (GDBusMethodInvocation *invocation,
                const char            *name,
                GVariant              *options)
{
  g_autofree char *printed = NULL;
  g_autofree char *escaped_options = NULL;
  g_autofree char *escaped_name = NULL;

  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;

  printed = g_variant_print (options, FALSE);
  escaped_options = kmodd_escape (printed);
  escaped_name = name ? kmodd_escape (name) : NULL;
  g_debug ("%s(%s%s%s) from %s",
           g_dbus_method_invocation_get_method_name (invocation),
           escaped_name ? escaped_name : "", escaped_name ? ", " : "",
           escaped_options, g_dbus_method_invocation_get_sender (invocation));
}

/* Logs a change with who asked, as structured fields where the journal
 * takes them. */
static void
log_change (Request    *request,
            const char *verb,
            GStrv       modules)
{
  g_autofree char *list = g_strjoinv (", ", modules);
  g_autofree char *uid = g_strdup_printf ("%u", request->uid);
  g_autofree char *name = request->name ? kmodd_escape (request->name) : NULL;
  g_autofree char *message = NULL;
  const char *sender = request->sender ? request->sender : "timer";

  if (request->uid == NO_UID)
    message = g_strdup_printf ("AutoClean %s %s", verb, list);
  else
    message = g_strdup_printf ("%s for uid %s (%s)%s%s: %s %s",
                               method_names[request->method], uid, sender,
                               name ? " of " : "", name ? name : "",
                               verb, modules[0] ? list : "nothing");

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "KMODD_METHOD", method_names[request->method],
                    "KMODD_UID", request->uid == NO_UID ? "" : uid,
                    "KMODD_SENDER", sender,
                    "KMODD_MODULES", list,
                    "MESSAGE", "%s", message);
}

/* ---- state ----------------------------------------------------------------- */

static void
save_state (KmoddManager *self)
{
  g_autoptr(GError) error = NULL;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->save_lock);

  if (!kmodd_records_file_save (self->autoclean, self->state_dir, &error))
    g_warning ("Cannot save the AutoClean marks: %s", error->message);
}

static void
refresh_properties (KmoddManager *self)
{
  guint marks = kmodd_autoclean_count_marks (self->autoclean);

  refresh_kernel_properties (self->skeleton);
  if (kmodd_dbus_manager_get_auto_clean_marks (self->skeleton) != marks)
    kmodd_dbus_manager_set_auto_clean_marks (self->skeleton, marks);
}

/* ---- jobs, on the worker thread ------------------------------------------------ */

static void
kernel_hook (const char *module,
             gboolean    insert,
             gboolean    before,
             gboolean    success,
             gpointer    user_data)
{
  Request *request = user_data;
  KmoddMonitor *monitor = request->manager->monitor;

  if (before)
    kmodd_monitor_expect (monitor, module, insert, request_reason (request), request->uid);
  else if (!success)
    kmodd_monitor_unexpect (monitor, module, insert);
}

static void
job_load (KmoddKernel *kernel,
          GTask       *task)
{
  Request *request = g_task_get_task_data (task);
  KmoddManager *self = request->manager;
  GError *error = NULL;
  GStrv inserted = NULL;
  gboolean ok;
  gint64 now;
  guint i;

  ok = kmodd_kernel_load (kernel, request->name, request->parameters, FALSE,
                          kernel_hook, request, &inserted, &error);

  /* What went in is recorded (and marked) even when the load failed
   * halfway: the dependencies stay in, as with modprobe, and AutoClean
   * must be able to take them out again. */
  now = g_get_real_time ();
  for (i = 0; inserted != NULL && inserted[i] != NULL; i++)
    kmodd_autoclean_record (self->autoclean, inserted[i], request->uid, now,
                            kmodd_kernel_get_instance (inserted[i]), request->autoclean);
  if (inserted != NULL && inserted[0] != NULL)
    {
      save_state (self);
      if (!ok)
        {
          g_autofree char *list = g_strjoinv (", ", inserted);

          g_message ("Load for uid %u (%s) failed after inserting %s",
                     request->uid, request->sender ? request->sender : "?", list);
        }
    }

  if (!ok)
    {
      g_strfreev (inserted);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, inserted, (GDestroyNotify) g_strfreev);
}

static void
job_unload (KmoddKernel *kernel,
            GTask       *task)
{
  Request *request = g_task_get_task_data (task);
  KmoddManager *self = request->manager;
  GError *error = NULL;
  gboolean changed = FALSE;
  GStrv removed;
  guint i;

  removed = kmodd_kernel_unload (kernel, request->name, request->dependencies,
                                 request->unbind, FALSE, kernel_hook, request, &error);
  if (removed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (i = 0; removed[i] != NULL; i++)
    changed |= kmodd_autoclean_forget (self->autoclean, removed[i]);
  if (changed)
    save_state (self);

  g_task_return_pointer (task, removed, (GDestroyNotify) g_strfreev);
}

typedef struct {
  KmoddKernel *kernel;
  Request     *request;
} PassView;

/* also the timer's sampling view, with no request */
static gboolean
view_get_usage (gpointer    data,
                const char *module,
                gint       *refcount,
                guint      *n_holders,
                guint      *n_devices,
                gboolean   *live,
                guint64    *instance)
{
  PassView *view = data;
  KmoddUsage usage;

  if (!kmodd_kernel_get_usage (view->kernel, module, &usage))
    return FALSE;
  *refcount = usage.refcount;
  *n_holders = usage.n_holders;
  *n_devices = usage.n_devices;
  *live = usage.state == KMODD_LOADED_LIVE;
  *instance = usage.instance;
  return TRUE;
}

static GStrv
view_get_dependencies (gpointer    data,
                       const char *module)
{
  PassView *view = data;

  return kmodd_kernel_get_dependencies (view->kernel, module);
}

static gboolean
view_remove (gpointer    data,
             const char *module,
             GError    **error)
{
  PassView *view = data;

  return kmodd_kernel_remove_unused (view->kernel, module, kernel_hook,
                                     view->request, error);
}

static void
job_autoclean (KmoddKernel *kernel,
               GTask       *task)
{
  Request *request = g_task_get_task_data (task);
  KmoddManager *self = request->manager;
  PassView data = { kernel, request };
  KmoddKernelView view = {
    view_get_usage, view_get_dependencies, view_remove, &data,
  };
  gboolean changed = FALSE;
  GStrv removed;

  removed = kmodd_autoclean_pass (self->autoclean, &view, request->all, &changed);
  if (changed)
    save_state (self);
  g_task_return_pointer (task, removed, (GDestroyNotify) g_strfreev);
}

/* ---- steps 3 to 5 ---------------------------------------------------------------- */

static void
on_job_done (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  KmoddManager *self = KMODD_MANAGER (source);
  Request *request = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) changed = g_task_propagate_pointer (G_TASK (res), &error);
  static const char *const verbs[] = { "inserted", "removed", "removed" };

  if (request->timer)
    self->pass_queued = FALSE;

  if (changed == NULL)
    {
      g_autofree char *escaped = kmodd_escape (error->message);

      if (request->timer)
        g_warning ("AutoClean pass failed: %s", escaped);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("%s for uid %u (%s) failed: %s",
                   method_names[request->method], request->uid,
                   request->sender, escaped);
      if (request->invocation != NULL)
        return_error (request->invocation, error);
    }
  else
    {
      if (changed[0] != NULL || !request->timer)
        log_change (request, verbs[request->method], changed);
      if (request->invocation != NULL)
        g_dbus_method_invocation_return_value (request->invocation,
                                               g_variant_new ("(^as)", changed));
    }

  refresh_properties (self);
  schedule_autoclean (self);
}

/* Queues @request for the worker. On failure (the queue is full), the
 * request is answered and freed, and the error also goes to @error if it is
 * not NULL (then the request is not answered: the caller does). */
static gboolean
queue_job (KmoddManager *self,
           Request      *request,
           KmoddJobFunc  func,
           GError      **error)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) local = NULL;

  task = g_task_new (self,
                     request->caller ? request->caller->cancellable : NULL,
                     on_job_done, NULL);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  /* A job whose caller left before it started is dropped by the worker;
   * once it has started, its result must be logged and recorded even if
   * the caller has gone meanwhile. */
  g_task_set_check_cancellable (task, FALSE);

  if (kmodd_worker_push (self->worker, task, func, &local))
    return TRUE;

  if (error != NULL)
    {
      *error = g_error_copy (local);
      g_clear_object (&request->invocation);
    }
  g_task_return_error (task, g_steal_pointer (&local));
  return FALSE;
}

static void
on_authorized (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  KmoddManager *self = request->manager;
  g_autoptr(GError) error = NULL;
  static const KmoddJobFunc jobs[] = { job_load, job_unload, job_autoclean };
  KmoddJobFunc job;

  if (!kmodd_authority_check_finish (self->authority, res, &request->uid, &error))
    {
      g_autofree char *name = request->name ? kmodd_escape (request->name) : g_strdup ("");

      g_message ("Refused %s(%s) for uid %u (%s): %s",
                 method_names[request->method], name, request->uid,
                 request->sender, error->message);
      return_error (request->invocation, error);
      return;
    }

  if (g_cancellable_is_cancelled (request->caller->cancellable))
    return;

  if (request->no_block)
    {
      /* Checked, authorized: answer now; the job no longer depends on the
       * caller, who may well be gone (a udev rule) when it runs. */
      g_autoptr(GError) queue_error = NULL;
      GDBusMethodInvocation *invocation = g_steal_pointer (&request->invocation);

      caller_unref (self, g_steal_pointer (&request->caller));
      if (!queue_job (self, g_steal_pointer (&request), jobs[METHOD_LOAD], &queue_error))
        return_error (invocation, queue_error);
      else
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@as)",
                                                 g_variant_new_strv (NULL, 0)));
      g_object_unref (invocation);
      return;
    }

  job = jobs[request->method];
  queue_job (self, g_steal_pointer (&request), job, NULL);
}

static void
authorize (KmoddManager *self,
           Request      *request)
{
  const char *action = NULL;

  if (!kmodd_authority_lookup_action (method_names[request->method],
                                      request->parameters != NULL, &action))
    {
      /* deny by default */
      g_dbus_method_invocation_return_error (request->invocation, KMODD_ERROR,
                                             KMODD_ERROR_NOT_AUTHORIZED,
                                             "Not authorized");
      request_free (request);
      return;
    }

  kmodd_authority_check_async (self->authority, request->invocation, action,
                               request->module, request->name,
                               request->caller->cancellable,
                               on_authorized, request);
}

/* ---- method handlers --------------------------------------------------------------- */

/* Step 1 for every method that changes something: options, name, limits. */
static gboolean
accept_call (KmoddManager          *self,
             GDBusMethodInvocation *invocation,
             const char            *name,
             GVariant              *options,
             const KmoddOptionSpec *spec)
{
  g_autoptr(GError) error = NULL;
  Caller *caller;

  log_debug_call (invocation, name, options);

  if (!kmodd_options_check (options, spec, &error) ||
      (name != NULL && !kmodd_name_validate (name, NULL, &error)))
    {
      return_error (invocation, error);
      return FALSE;
    }

  caller = g_hash_table_lookup (self->callers, g_dbus_method_invocation_get_sender (invocation));
  if (caller != NULL && caller->inflight >= KMODD_CALLER_INFLIGHT_MAX)
    {
      g_dbus_method_invocation_return_error (invocation, KMODD_ERROR,
                                             KMODD_ERROR_LIMITS_EXCEEDED,
                                             "Too many requests in flight from "
                                             "this caller (at most %d)",
                                             KMODD_CALLER_INFLIGHT_MAX);
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
  request_free (request);
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

  if (!accept_call (self, invocation, name, options,
                    kmodd_load_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  request = request_new (self, invocation, METHOD_LOAD);
  request->name = g_strdup (name);
  g_variant_lookup (options, KMODD_OPTION_AUTOCLEAN, "b", &request->autoclean);
  g_variant_lookup (options, KMODD_OPTION_DRY_RUN, "b", &request->dry_run);
  g_variant_lookup (options, KMODD_OPTION_NO_BLOCK, "b", &request->no_block);
  if (g_variant_lookup (options, KMODD_OPTION_PARAMETERS, "s", &request->parameters_text))
    {
      request->parameters = kmodd_parameters_parse (request->parameters_text, &error);
      if (request->parameters == NULL)
        {
          return_error (invocation, error);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
    }

  /* step 2: the plan, which is also the answer of a dry run */
  if (!kmodd_kernel_load (self->kernel, name, request->parameters, TRUE,
                          NULL, NULL, &planned, &error))
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (request->dry_run)
    {
      reply_strv_and_free (g_steal_pointer (&request), planned);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_strfreev (planned);

  request->module = kmodd_kernel_resolve_name (self->kernel, name, NULL);
  authorize (self, g_steal_pointer (&request));
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

  if (!accept_call (self, invocation, name, options,
                    kmodd_unload_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  request = request_new (self, invocation, METHOD_UNLOAD);
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
          return_error (invocation, error);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      if (request->dry_run)
        {
          reply_strv_and_free (g_steal_pointer (&request), planned);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      g_strfreev (planned);
    }

  request->module = kmodd_kernel_resolve_name (self->kernel, name, &error);
  if (request->module == NULL)
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  authorize (self, g_steal_pointer (&request));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_autoclean (KmoddDBusManager      *skeleton,
                  GDBusMethodInvocation *invocation,
                  GVariant              *options,
                  KmoddManager          *self)
{
  Request *request;

  if (!accept_call (self, invocation, NULL, options,
                    kmodd_autoclean_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  request = request_new (self, invocation, METHOD_AUTOCLEAN);
  g_variant_lookup (options, KMODD_OPTION_ALL, "b", &request->all);
  authorize (self, request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The keys of a List entry, made once: building the reply is most of what
 * List costs, and a{sv} entries assembled from ready parts cost a third of
 * what GVariantBuilder's format strings do. */
typedef enum {
  KEY_NAME,
  KEY_STATE,
  KEY_SIZE,
  KEY_REFCOUNT,
  KEY_HOLDERS,
  KEY_TAINT,
  KEY_AUTOCLEAN,
  KEY_VISITED,
  KEY_REQUESTED_BY,
  KEY_LOADED_AT,
  N_KEYS
} ListKey;

static const char *const list_key_names[N_KEYS] = {
  KMODD_MODULE_NAME, KMODD_MODULE_STATE, KMODD_MODULE_SIZE, KMODD_MODULE_REFCOUNT,
  KMODD_MODULE_HOLDERS, KMODD_MODULE_TAINT, KMODD_MODULE_AUTOCLEAN, KMODD_MODULE_VISITED,
  KMODD_MODULE_REQUESTED_BY, KMODD_MODULE_LOADED_AT,
};

static GVariant *
make_entry (KmoddManager            *self,
            const KmoddLoadedModule *module,
            const char              *state,
            const KmoddRecord       *record)
{
  GVariant *items[N_KEYS];
  guint n = 0;

#define ITEM(key, value) \
  items[n++] = g_variant_new_dict_entry (self->list_keys[key], g_variant_new_variant (value))

  ITEM (KEY_NAME, g_variant_new_string (module->name));
  ITEM (KEY_STATE, g_variant_new_string (state));
  ITEM (KEY_SIZE, g_variant_new_uint64 (module->size));
  /* -1: can never be removed (no exit function), as lsmod once showed */
  ITEM (KEY_REFCOUNT, g_variant_new_int32 (module->permanent ? -1 : module->refcount));
  ITEM (KEY_HOLDERS, g_variant_new_strv ((const char * const *) module->holders, -1));
  ITEM (KEY_TAINT, g_variant_new_string (module->taint));
  ITEM (KEY_AUTOCLEAN, g_variant_new_boolean (record != NULL && record->autoclean));
  if (record != NULL)
    {
      if (record->autoclean)
        ITEM (KEY_VISITED, g_variant_new_boolean (record->visited));
      ITEM (KEY_REQUESTED_BY, g_variant_new_uint32 (record->uid));
      ITEM (KEY_LOADED_AT, g_variant_new_uint64 ((guint64) record->loaded_at));
    }
#undef ITEM

  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), items, n);
}

/* Builds the List reply from /proc/modules' @contents and the records;
 * also says which modules are loaded, in @loaded when not NULL. */
static GVariant *
build_list (KmoddManager *self,
            GBytes       *contents,
            GHashTable   *wanted,
            gboolean      include_builtin,
            GHashTable   *loaded)
{
  g_autoptr(GPtrArray) modules = kmodd_kernel_parse_proc_modules (contents);
  g_autoptr(GPtrArray) records = kmodd_autoclean_snapshot (self->autoclean);
  g_autoptr(GHashTable) by_name = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  guint i;

  if (records->len > 0)
    {
      by_name = g_hash_table_new (g_str_hash, g_str_equal);
      for (i = 0; i < records->len; i++)
        {
          KmoddRecord *record = g_ptr_array_index (records, i);

          g_hash_table_insert (by_name, record->name, record);
        }
    }

  for (i = 0; i < modules->len; i++)
    {
      KmoddLoadedModule *module = g_ptr_array_index (modules, i);

      if (loaded != NULL)
        g_hash_table_add (loaded, g_strdup (module->name));
      if (wanted != NULL && !g_hash_table_contains (wanted, module->name))
        continue;
      g_ptr_array_add (entries,
                       make_entry (self, module, kmodd_loaded_state_to_string (module->state),
                                   by_name ? g_hash_table_lookup (by_name, module->name) : NULL));
    }

  if (include_builtin)
    {
      const char * const *builtin = kmodd_kernel_get_builtin (self->kernel);
      static char *no_holders[] = { NULL };

      for (i = 0; builtin[i] != NULL; i++)
        {
          KmoddLoadedModule entry = {
            .name = (char *) builtin[i], .holders = no_holders, .taint = (char *) "",
          };

          if (wanted != NULL && !g_hash_table_contains (wanted, builtin[i]))
            continue;
          g_ptr_array_add (entries, make_entry (self, &entry, KMODD_STATE_BUILTIN, NULL));
        }
    }

  return g_variant_new_array (G_VARIANT_TYPE_VARDICT, (GVariant **) entries->pdata, entries->len);
}

static gboolean
handle_list (KmoddDBusManager      *skeleton,
             GDBusMethodInvocation *invocation,
             GVariant              *options,
             KmoddManager          *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GHashTable) wanted = NULL;
  g_autoptr(GHashTable) loaded = NULL;
  g_autofree const char **names = NULL;
  gboolean include_builtin = FALSE;
  gboolean plain;
  guint64 generation;
  GVariant *reply;
  guint i;

  log_debug_call (invocation, NULL, options);
  if (!kmodd_options_check (options, kmodd_list_options, &error))
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  g_variant_lookup (options, KMODD_OPTION_INCLUDE_BUILTIN, "b", &include_builtin);
  if (g_variant_lookup (options, KMODD_OPTION_NAMES, "^a&s", &names))
    {
      wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (i = 0; names[i] != NULL; i++)
        {
          if (!kmodd_name_is_module_name (names[i]))
            {
              g_autofree char *escaped = kmodd_escape (names[i]);

              g_dbus_method_invocation_return_error (invocation, KMODD_ERROR,
                                                     KMODD_ERROR_INVALID_NAME,
                                                     "“%s” in “names” is not a module name",
                                                     escaped);
              return G_DBUS_METHOD_INVOCATION_HANDLED;
            }
          g_hash_table_add (wanted, kmodd_module_name_normalize (names[i]));
        }
    }

  /* one read of /proc/modules */
  contents = kmodd_kernel_read_proc_modules (&error);
  if (contents == NULL)
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  /* A panel refreshing its list mostly asks again for what it got: when
   * neither /proc/modules nor the records changed, the last reply is the
   * answer. Read the generation before the records. */
  plain = !include_builtin && wanted == NULL;
  generation = kmodd_autoclean_get_generation (self->autoclean);
  if (plain && self->list_reply != NULL && self->list_generation == generation &&
      g_bytes_equal (contents, self->list_contents))
    {
      kmodd_dbus_manager_complete_list (skeleton, invocation, self->list_reply);
      update_idle (self);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reply = g_variant_ref_sink (build_list (self, contents, wanted, include_builtin, loaded));
  kmodd_dbus_manager_complete_list (skeleton, invocation, reply);

  /* records of modules that left without us seeing it go now */
  if (kmodd_autoclean_retain (self->autoclean, loaded))
    {
      save_state (self);
      refresh_properties (self);
      g_variant_unref (reply);
    }
  else if (plain)
    {
      g_clear_pointer (&self->list_reply, g_variant_unref);
      g_clear_pointer (&self->list_contents, g_bytes_unref);
      self->list_reply = reply;
      self->list_contents = g_bytes_ref (contents);
      self->list_generation = generation;
    }
  else
    g_variant_unref (reply);

  update_idle (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_info (KmoddDBusManager      *skeleton,
             GDBusMethodInvocation *invocation,
             const char            *name,
             GVariant              *options,
             KmoddManager          *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;

  log_debug_call (invocation, name, options);
  if (!kmodd_options_check (options, NULL, &error))
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  info = kmodd_kernel_info (self->kernel, name, &error);
  if (info == NULL)
    return_error (invocation, error);
  else
    kmodd_dbus_manager_complete_info (skeleton, invocation, info);

  update_idle (self);
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
    save_state (self);

  if (g_str_equal (reason, KMODD_REASON_EXTERNAL))
    g_message ("Module %s was %s outside kmodd", name, added ? "loaded" : "unloaded");

  refresh_properties (self);
  schedule_autoclean (self);
}

/* ---- AutoClean timer and idle exit ---------------------------------------------------- */

static void
queue_timer_pass (KmoddManager *self)
{
  Request *request;

  if (self->pass_queued)
    return;
  self->pass_queued = TRUE;
  request = request_new (self, NULL, METHOD_AUTOCLEAN);
  queue_job (self, request, job_autoclean, NULL);
}

static gboolean
on_autoclean_timer (gpointer user_data)
{
  KmoddManager *self = user_data;
  PassView data = { self->kernel, NULL };
  KmoddKernelView view = { view_get_usage, NULL, NULL, &data };

  self->timer_id = 0;
  switch (kmodd_autoclean_timer_due (&self->timer, g_get_monotonic_time ()))
    {
    case KMODD_AUTOCLEAN_DUE_SAMPLE:
      if (kmodd_autoclean_sample (self->autoclean, &view))
        {
          save_state (self);
          refresh_properties (self);
        }
      break;
    case KMODD_AUTOCLEAN_DUE_PASS:
      queue_timer_pass (self);
      break;
    case KMODD_AUTOCLEAN_DUE_NOTHING:
      break;
    }

  schedule_autoclean (self);
  return G_SOURCE_REMOVE;
}

/* The timer only runs while there are marks: an idle system is not woken. */
static void
schedule_autoclean (KmoddManager *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next;
  guint marks;

  if (self->config.autoclean_interval == 0)
    {
      update_idle (self);   /* marks may have gone: the idle countdown may start */
      return;
    }

  marks = kmodd_autoclean_count_marks (self->autoclean);
  if (marks == 0)
    {
      g_clear_handle_id (&self->timer_id, g_source_remove);
      self->timer_running = FALSE;
      update_idle (self);
      return;
    }

  if (!self->timer_running)
    {
      kmodd_autoclean_timer_init (&self->timer, self->config.autoclean_interval,
                                  self->config.autoclean_samples, now);
      self->timer_running = TRUE;
    }

  g_clear_handle_id (&self->timer_id, g_source_remove);
  next = kmodd_autoclean_timer_next (&self->timer);
  self->timer_id = g_timeout_add ((guint) MAX ((next - now + 999) / 1000, 1),
                                  on_autoclean_timer, self);
  update_idle (self);
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  KmoddManager *self = user_data;

  self->idle_id = 0;
  g_message ("Idle for %u seconds with nothing marked for AutoClean; exiting",
             self->config.idle_timeout);
  g_signal_emit (self, signals[SIGNAL_IDLE], 0);
  return G_SOURCE_REMOVE;
}

static gboolean
on_trim (gpointer user_data)
{
  KmoddManager *self = user_data;

  if (g_get_monotonic_time () - self->last_call < 2 * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;   /* still busy: look again later */

  self->trim_id = 0;
  /* give what a burst of calls left in malloc's free lists back to the
   * system: a daemon that sits idle for days should not keep its peak */
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

/* Restarts the idle countdown when there is nothing to do, stops it when
 * there is: the daemon must not exit while it holds marks. */
static void
update_idle (KmoddManager *self)
{
  gboolean idle;

  if (self->worker == NULL)
    return;

  self->last_call = g_get_monotonic_time ();
  if (self->trim_id == 0)
    self->trim_id = g_timeout_add_seconds (2, on_trim, self);

  if (self->config.idle_timeout == 0)
    return;

  g_clear_handle_id (&self->idle_id, g_source_remove);
  /* Requests are counted by the manager itself, from their arrival until
   * they are freed on the main thread: the worker's own count may lag
   * behind the reply, and nothing would restart the countdown after it. */
  idle = self->requests == 0 &&
         kmodd_autoclean_count_marks (self->autoclean) == 0;
  if (idle)
    self->idle_id = g_timeout_add_seconds (self->config.idle_timeout, on_idle_timeout, self);
}

/* ---- life cycle ------------------------------------------------------------------------ */

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
    save_state (self);

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
  self->worker = kmodd_worker_new (KMODD_QUEUE_MAX);

  self->monitor = kmodd_monitor_new ();
  if (!kmodd_monitor_start (self->monitor, &monitor_error))
    g_warning ("No ModuleLoaded/ModuleUnloaded signals: %s", monitor_error->message);
  g_signal_connect (self->monitor, "module-changed", G_CALLBACK (on_module_changed), self);

  restore_state (self);

  self->skeleton = g_object_new (kmodd_live_skeleton_get_type (), NULL);
  kmodd_dbus_manager_set_version (self->skeleton, PACKAGE_VERSION);
  kmodd_dbus_manager_set_kernel_release (self->skeleton, release);
  kmodd_dbus_manager_set_auto_clean_interval (self->skeleton, config->autoclean_interval);
  refresh_properties (self);

  g_signal_connect (self->skeleton, "handle-load", G_CALLBACK (handle_load), self);
  g_signal_connect (self->skeleton, "handle-unload", G_CALLBACK (handle_unload), self);
  g_signal_connect (self->skeleton, "handle-list", G_CALLBACK (handle_list), self);
  g_signal_connect (self->skeleton, "handle-info", G_CALLBACK (handle_info), self);
  g_signal_connect (self->skeleton, "handle-auto-clean", G_CALLBACK (handle_autoclean), self);

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

  schedule_autoclean (self);
  update_idle (self);
  return TRUE;
}

void
kmodd_manager_shutdown (KmoddManager *self)
{
  if (self->skeleton != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_clear_handle_id (&self->trim_id, g_source_remove);

  /* finish the job that is running, cancel the queued ones, and let their
   * callbacks run so that every request is answered and freed */
  g_clear_pointer (&self->worker, kmodd_worker_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
kmodd_manager_finalize (GObject *object)
{
  KmoddManager *self = KMODD_MANAGER (object);
  guint i;

  kmodd_manager_shutdown (self);

  g_hash_table_unref (self->callers);
  for (i = 0; i < N_KEYS; i++)
    g_clear_pointer (&self->list_keys[i], g_variant_unref);
  g_clear_pointer (&self->list_reply, g_variant_unref);
  g_clear_pointer (&self->list_contents, g_bytes_unref);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->monitor);
  g_clear_pointer (&self->authority, kmodd_authority_free);
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
  guint i;

  G_STATIC_ASSERT (G_N_ELEMENTS (self->list_keys) == N_KEYS);
  for (i = 0; i < N_KEYS; i++)
    self->list_keys[i] = g_variant_ref_sink (g_variant_new_string (list_key_names[i]));
  g_mutex_init (&self->save_lock);
  self->callers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) caller_free);
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
