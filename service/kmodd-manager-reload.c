/* kmodd-manager-reload.c: Reload, the "restart my Wi-Fi driver" that
 * people otherwise do with `modprobe -r iwlwifi && modprobe iwlwifi`, as
 * one request: the module named is removed as Unload removes it with
 * "unbind" (its devices are unbound first; its dependencies stay), then
 * loaded again as Load loads it, in one job on a worker thread: no other
 * job touching the module or its dependencies runs in between. The kernel binds the devices again when the module's
 * drivers register (it probes every device without a driver).
 *
 * The parameters it is loaded with again: the "parameters" option when
 * given; else the ones kmodd recorded when a Load of kmodd's inserted it
 * with "parameters"; else none. modprobe.d's options for it apply in
 * every case, as they do for every Load (and for modprobe). The current
 * values in /sys/module/M/parameters are not used: they hold every
 * parameter's default, which was never given, and changes made at run
 * time, which a fresh load is expected to forget.
 *
 * Its AutoClean record (requester, mark, parameters) carries over to the
 * new load of the module.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-error.h"
#include "kmodd-manager-private.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

/* The reply: "-NAME" for each module removed, then "+NAME" for each
 * inserted (module names never start with '-' or '+'). */
static GStrv
reload_reply (GStrv removed,
              GStrv inserted)
{
  GPtrArray *reply = g_ptr_array_new ();
  guint i;

  for (i = 0; removed != NULL && removed[i] != NULL; i++)
    g_ptr_array_add (reply, g_strconcat ("-", removed[i], NULL));
  for (i = 0; inserted != NULL && inserted[i] != NULL; i++)
    g_ptr_array_add (reply, g_strconcat ("+", inserted[i], NULL));
  g_ptr_array_add (reply, NULL);
  return (GStrv) g_ptr_array_free (reply, FALSE);
}

/* The one loaded module @name stands for, checked as a Reload of it would
 * be, with nothing changed: loaded (NotLoaded), not builtin (Builtin), no
 * holders or use count (InUse); an alias that stands for several loaded
 * modules is refused. The devices it drives are no obstacle. */
static char *
reload_target (KmoddKernel *kernel,
               const char  *name,
               GError     **error)
{
  g_auto(GStrv) planned = NULL;
  g_autoptr(GPtrArray) modules = g_ptr_array_new ();
  guint i;

  planned = kmodd_kernel_unload (kernel, name, FALSE, TRUE, TRUE, NULL, NULL, error);
  if (planned == NULL)
    return NULL;
  /* the dry run lists the devices too: entries with a space */
  for (i = 0; planned[i] != NULL; i++)
    {
      if (kmodd_name_is_module_name (planned[i]))
        g_ptr_array_add (modules, planned[i]);
    }
  if (modules->len != 1)
    {
      g_autofree char *escaped = kmodd_escape (name);
      g_autofree char *list = NULL;

      g_ptr_array_add (modules, NULL);
      list = g_strjoinv (", ", (char **) modules->pdata);
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                   "“%s” stands for %u loaded modules (%s); name one of them",
                   escaped, modules->len - 1, list);
      return NULL;
    }
  return g_strdup (g_ptr_array_index (modules, 0));
}

/* The parameters to load @module with again: @given, or the recorded
 * ones; NULL and no error when there are none. */
static GPtrArray *
reload_parameters (KmoddManager *self,
                   const char   *module,
                   GPtrArray    *given,
                   GError      **error)
{
  g_autoptr(KmoddRecord) record = NULL;

  if (given != NULL)
    return g_ptr_array_ref (given);
  record = kmodd_autoclean_lookup (self->autoclean, module);
  if (record == NULL || record->parameters == NULL)
    return NULL;
  return kmodd_parameters_parse (record->parameters, error);
}

/* Everything a Reload checks before it changes anything: the module and
 * its parameters, and that it could be loaded with them (not
 * blacklisted, parameters it declares). Returns the module. */
static char *
reload_check (KmoddManager *self,
              KmoddKernel  *kernel,
              Request      *request,
              GPtrArray   **out_parameters,
              GError      **error)
{
  g_autofree char *module = reload_target (kernel, request->name, error);
  g_autoptr(GPtrArray) parameters = NULL;
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) planned = NULL;

  if (module == NULL)
    return NULL;
  parameters = reload_parameters (self, module, request->parameters, &local);
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                  "The parameters %s was loaded with cannot be "
                                  "given again: ", module);
      return NULL;
    }
  /* a loaded module is not inserted again: this checks only */
  if (!kmodd_kernel_load (kernel, module, parameters, TRUE, NULL, NULL, &planned, error))
    return NULL;
  if (out_parameters != NULL)
    *out_parameters = g_steal_pointer (&parameters);
  return g_steal_pointer (&module);
}

/* ---- the job, on the worker thread ----------------------------------------------- */

void
manager_job_reload (KmoddKernel *kernel,
                    GTask       *task)
{
  Request *request = g_task_get_task_data (task);
  KmoddManager *self = request->manager;
  g_autoptr(GPtrArray) parameters = NULL;
  g_autoptr(KmoddRecord) record = NULL;
  g_autofree char *module = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) removed = NULL;
  g_auto(GStrv) inserted = NULL;
  GError *error = NULL;
  gboolean changed = FALSE;
  gboolean ok;
  gint64 now;
  guint i;

  /* checked again: the kernel may have changed since the request came */
  module = reload_check (self, kernel, request, &parameters, &error);
  if (module == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  record = kmodd_autoclean_lookup (self->autoclean, module);

  removed = kmodd_kernel_unload (kernel, module, FALSE, TRUE, FALSE,
                                 manager_kernel_hook, request, &error);
  if (removed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (i = 0; removed[i] != NULL; i++)
    changed |= kmodd_autoclean_forget (self->autoclean, removed[i]);

  ok = kmodd_kernel_load (kernel, module, parameters, FALSE,
                          manager_kernel_hook, request, &inserted, &error);

  /* The new load keeps the record of the old one: who asked for it, its
   * AutoClean mark, its parameters. What else went in is this request's. */
  now = g_get_real_time ();
  if (parameters != NULL)
    text = kmodd_parameters_to_string (parameters);
  for (i = 0; inserted != NULL && inserted[i] != NULL; i++)
    {
      gboolean target = g_str_equal (inserted[i], module);
      guint32 uid = target && record != NULL ? record->uid : request->uid;
      gboolean mark = record != NULL && record->autoclean;

      kmodd_autoclean_record (self->autoclean, inserted[i], uid, now,
                              kmodd_kernel_get_instance (inserted[i]), mark);
      if (target && text != NULL)
        kmodd_autoclean_set_parameters (self->autoclean, inserted[i], text);
      changed = TRUE;
    }
  if (changed)
    manager_save_state (self);

  if (!ok)
    {
      /* never half done silently: the module stays out, and the caller
       * is told so */
      g_prefix_error (&error, "Module %s was removed and could not be loaded again: ",
                      module);
      g_message ("Reload for uid %u (%s) removed %s and could not load it again",
                 request->uid, request->sender ? request->sender : "?", module);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, reload_reply (removed, inserted), (GDestroyNotify) g_strfreev);
}

/* ---- the method -------------------------------------------------------------------- */

gboolean
manager_handle_reload (KmoddDBusManager      *skeleton,
                       GDBusMethodInvocation *invocation,
                       const char            *name,
                       GVariant              *options,
                       KmoddManager          *self)
{
  g_autoptr(Request) request = NULL;
  g_autoptr(GError) error = NULL;

  if (!manager_accept_call (self, invocation, name, options, kmodd_reload_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  request = manager_request_new (self, invocation, METHOD_RELOAD);
  request->name = g_strdup (name);
  g_variant_lookup (options, KMODD_OPTION_DRY_RUN, "b", &request->dry_run);
  if (g_variant_lookup (options, KMODD_OPTION_PARAMETERS, "s", &request->parameters_text))
    {
      request->parameters = kmodd_parameters_parse (request->parameters_text, &error);
      if (request->parameters == NULL)
        {
          manager_return_error (invocation, error);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
    }

  /* Step 2, as for Unload: only while the worker is idle, since the
   * kernel's state is in motion otherwise; the job checks again anyway. A
   * dry run answers with what a Reload would do now: the module removed
   * and inserted again. */
  if (request->dry_run || kmodd_worker_get_pending (self->worker) == 0)
    {
      g_autofree char *module = reload_check (self, self->kernel, request, NULL, &error);

      if (module == NULL)
        {
          manager_return_error (invocation, error);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      if (request->dry_run)
        {
          const char *names[] = { module, NULL };
          g_auto(GStrv) planned = reload_reply ((GStrv) names, (GStrv) names);

          g_dbus_method_invocation_return_value (invocation,
                                                 g_variant_new ("(^as)", planned));
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
    }

  /* every module the name may stand for is authorized, each named */
  request->modules = kmodd_kernel_resolve_all (self->kernel, name, TRUE, &error);
  if (request->modules == NULL)
    {
      manager_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  manager_admit (self, g_steal_pointer (&request));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}
