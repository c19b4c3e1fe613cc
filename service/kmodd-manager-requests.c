/* kmodd-manager-requests.c: the manager's requests, steps 2 to 5 of
 * kmodd-manager.c: the checks before authorization, polkit, the jobs on
 * the worker threads, the replies, the audit log and the AutoClean records
 * that a request leaves.
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

/* ---- requests -------------------------------------------------------------- */

static const char * const method_names[] = { "Load", "Unload", "AutoClean", "Reload" };

void
manager_request_free (Request *request)
{
  KmoddManager *self = request->manager;

  manager_request_release (self, request);
  g_clear_object (&request->invocation);
  g_free (request->sender);
  g_free (request->name);
  g_strfreev (request->modules);
  g_strfreev (request->keys);
  g_clear_pointer (&request->parameters, g_ptr_array_unref);
  g_free (request->parameters_text);
  g_free (request);

  g_assert (self->requests > 0);
  self->requests--;
  manager_update_idle (self);
  g_object_unref (self);
}

Request *
manager_request_new (KmoddManager          *self,
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
      request->caller = manager_caller_ref (self, request->sender);
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

/* every error a caller gets goes through the gate's error boundary */
void
manager_return_error (GDBusMethodInvocation *invocation,
                      const GError          *error)
{
  kmodd_gate_return_error (invocation, error);
}

void
manager_log_debug_call (GDBusMethodInvocation *invocation,
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

void
manager_save_state (KmoddManager *self)
{
  g_autoptr(GError) error = NULL;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->save_lock);

  if (!kmodd_records_file_save (self->autoclean, self->state_dir, &error))
    g_warning ("Cannot save the AutoClean marks: %s", error->message);
}

void
manager_refresh_properties (KmoddManager *self)
{
  guint marks = kmodd_autoclean_count_marks (self->autoclean);

  manager_refresh_kernel_properties (self->skeleton);
  if (kmodd_dbus_manager_get_auto_clean_marks (self->skeleton) != marks)
    kmodd_dbus_manager_set_auto_clean_marks (self->skeleton, marks);
}

/* ---- jobs, on the worker thread ------------------------------------------------ */

void
manager_kernel_hook (const char *module,
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
                          manager_kernel_hook, request, &inserted, &error);

  /* What went in is recorded (and marked) even when the load failed
   * halfway: the dependencies stay in, as with modprobe, and AutoClean
   * must be able to take them out again. */
  now = g_get_real_time ();
  for (i = 0; inserted != NULL && inserted[i] != NULL; i++)
    {
      kmodd_autoclean_record (self->autoclean, inserted[i], request->uid, now,
                              kmodd_kernel_get_instance (inserted[i]), request->autoclean);
      /* the parameters, for Reload: they only ever apply to the one module
       * the name stands for */
      if (request->parameters != NULL && request->modules != NULL &&
          g_strv_length (request->modules) == 1 &&
          g_str_equal (inserted[i], request->modules[0]))
        {
          g_autofree char *text = kmodd_parameters_to_string (request->parameters);

          kmodd_autoclean_set_parameters (self->autoclean, inserted[i], text);
        }
    }
  if (inserted != NULL && inserted[0] != NULL)
    {
      manager_save_state (self);
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
                                 request->unbind, FALSE, manager_kernel_hook, request, &error);
  if (removed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (i = 0; removed[i] != NULL; i++)
    changed |= kmodd_autoclean_forget (self->autoclean, removed[i]);
  if (changed)
    manager_save_state (self);

  g_task_return_pointer (task, removed, (GDestroyNotify) g_strfreev);
}

/* also the timer's sampling view, with no request */
gboolean
manager_view_get_usage (gpointer    data,
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

  return kmodd_kernel_remove_unused (view->kernel, module, manager_kernel_hook,
                                     view->request, error);
}

void
manager_job_autoclean (KmoddKernel *kernel,
                       GTask       *task)
{
  Request *request = g_task_get_task_data (task);
  KmoddManager *self = request->manager;
  PassView data = { kernel, request };
  KmoddKernelView view = {
    manager_view_get_usage, view_get_dependencies, view_remove, &data,
  };
  gboolean changed = FALSE;
  GStrv removed;

  removed = kmodd_autoclean_pass (self->autoclean, &view, request->all, &changed);
  if (changed)
    manager_save_state (self);
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
  static const char * const verbs[] = { "inserted", "removed", "removed", "reloaded" };

  if (request->timer)
    self->pass_queued = FALSE;
  manager_request_release (self, request);

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
        manager_return_error (request->invocation, error);
    }
  else
    {
      if (changed[0] != NULL || !request->timer)
        log_change (request, verbs[request->method], changed);
      if (request->invocation != NULL)
        g_dbus_method_invocation_return_value (request->invocation,
                                               g_variant_new ("(^as)", changed));
    }

  manager_refresh_properties (self);
  manager_schedule_autoclean (self);
}

static void
add_with_dependencies (KmoddManager *self,
                       GPtrArray    *keys,
                       const char   *module)
{
  g_auto(GStrv) deps = NULL;
  guint i;

  if (!g_ptr_array_find_with_equal_func (keys, module, g_str_equal, NULL))
    g_ptr_array_add (keys, g_strdup (module));
  deps = kmodd_kernel_get_dependencies (self->kernel, module);
  for (i = 0; deps[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (keys, deps[i], g_str_equal, NULL))
      g_ptr_array_add (keys, g_strdup (deps[i]));
}

/* What the job may touch, for the worker's serialization: the modules the
 * request resolves to and what modules.dep says they depend on (the
 * whole tree: depmod lists it); for an AutoClean pass, every module with
 * a record and its dependencies. */
static GStrv
request_keys (KmoddManager *self,
              Request      *request)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  guint i;

  if (request->method == METHOD_AUTOCLEAN)
    {
      g_autoptr(GPtrArray) records = kmodd_autoclean_snapshot (self->autoclean);

      for (i = 0; i < records->len; i++)
        add_with_dependencies (self, keys,
                               ((KmoddRecord *) g_ptr_array_index (records, i))->name);
    }
  else if (request->modules != NULL)
    for (i = 0; request->modules[i] != NULL; i++)
      add_with_dependencies (self, keys, request->modules[i]);
  else if (request->name != NULL)
    add_with_dependencies (self, keys, request->name);
  g_ptr_array_add (keys, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}

/* Queues @request for the worker. On failure (the queue is full), the
 * request is answered and freed, and the error also goes to @error if it is
 * not NULL (then the request is not answered: the caller does). */
gboolean
manager_queue_job (KmoddManager *self,
                   Request      *request,
                   KmoddJobFunc  func,
                   GError      **error)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) local = NULL;

  task = g_task_new (self,
                     request->caller ? request->caller->cancellable : NULL,
                     on_job_done, NULL);
  g_task_set_task_data (task, request, (GDestroyNotify) manager_request_free);
  /* A job whose caller left before it started is dropped by the worker;
   * once it has started, its result must be logged and recorded even if
   * the caller has gone meanwhile. */
  g_task_set_check_cancellable (task, FALSE);

  request->keys = request_keys (self, request);
  if (kmodd_worker_push (self->worker, task, func,
                         request->timer || request->uid == 0
                           ? KMODD_WORKER_LANE_ROOT : KMODD_WORKER_LANE_USER,
                         (const char * const *) request->keys, &local))
    {
      g_autofree char *name = request->name ? kmodd_escape (request->name) : NULL;

      g_debug ("Queued %s(%s) for uid %u", method_names[request->method],
               name ? name : "", request->uid);
      return TRUE;
    }

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
  static const KmoddJobFunc jobs[] = {
    job_load, job_unload, manager_job_autoclean, manager_job_reload,
  };
  KmoddJobFunc job;

  if (self->stopping)
    {
      g_autoptr(GError) stopping = g_error_new_literal (KMODD_ERROR, KMODD_ERROR_STOPPING,
                                                        "The service is stopping; the "
                                                        "request was not done");

      manager_return_error (request->invocation, stopping);
      return;
    }

  if (!kmodd_authority_check_finish (self->authority, res, &request->uid, &error))
    {
      g_autofree char *name = request->name ? kmodd_escape (request->name) : g_strdup ("");

      kmodd_refusals_log (self->refusals, request->uid, "Refused %s(%s) for uid %u (%s): %s",
                          method_names[request->method], name, request->uid,
                          request->sender, error->message);
      manager_return_error (request->invocation, error);
      return;
    }

  if (g_cancellable_is_cancelled (request->caller->cancellable))
    return;

  /* every module the request may insert or remove must be allowed */
  if (request->modules != NULL && request->modules[++request->checking] != NULL)
    {
      manager_authorize (self, g_steal_pointer (&request));
      return;
    }

  if (request->no_block)
    {
      /* Checked, authorized: answer now; the job no longer depends on the
       * caller, who may well be gone (a udev rule) when it runs. */
      g_autoptr(GError) queue_error = NULL;
      GDBusMethodInvocation *invocation = g_steal_pointer (&request->invocation);

      manager_caller_unref (self, g_steal_pointer (&request->caller));
      if (!manager_queue_job (self, g_steal_pointer (&request), jobs[METHOD_LOAD], &queue_error))
        manager_return_error (invocation, queue_error);
      else
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@as)",
                                                                          g_variant_new_strv (NULL, 0)));
      g_object_unref (invocation);
      return;
    }

  job = jobs[request->method];
  manager_queue_job (self, g_steal_pointer (&request), job, NULL);
}

/* Asks polkit about the module request->checking of the request (one
 * check per module, each naming its module; "modules" names them all);
 * on_authorized() asks about the next one, until one is refused or all
 * are allowed. */
void
manager_authorize (KmoddManager *self,
                   Request      *request)
{
  const KmoddMethodRule *rule = kmodd_authority_find_rule (method_names[request->method]);
  g_autofree char *all = NULL;

  /* the gate let the call in, so its method has a rule */
  g_assert (rule != NULL);
  if (request->modules != NULL)
    all = g_strjoinv (",", request->modules);
  kmodd_authority_check_async (self->authority, request->invocation,
                               kmodd_method_rule_get_action (rule, request->parameters != NULL),
                               request->modules ? request->modules[request->checking] : NULL,
                               all, request->name, request->uid,
                               request->caller->cancellable,
                               on_authorized, request);
}
