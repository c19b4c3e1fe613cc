/* kmodd-client-reload.c: Reload, as _async/_finish/_sync on the typed call
 * gdbus-codegen makes, like the calls of kmodd-client-calls.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-client.h"
#include "kmodd-names.h"
#include "kmodd-private.h"

static GVariant *
reload_options (const char      *parameters,
                KmoddReloadFlags flags)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (parameters != NULL)
    g_variant_dict_insert (&options, KMODD_OPTION_PARAMETERS, "s", parameters);
  if (flags & KMODD_RELOAD_FLAGS_DRY_RUN)
    g_variant_dict_insert (&options, KMODD_OPTION_DRY_RUN, "b", TRUE);
  return g_variant_dict_end (&options);
}

static void
on_reload_done (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  GStrv changed = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_reload_finish (KMODD_DBUS_MANAGER (source),
                                                       &changed, res, &error);

  _kmodd_client_task_return (user_data, ok, changed, (GDestroyNotify) g_strfreev, error);
}

/**
 * kmodd_client_reload_async:
 * @client: a client
 * @name: a module name, or an alias that stands for one loaded module
 * @parameters: (nullable): parameters to load it with instead of the ones
 *   it had, as space-separated `key=value` words, or %NULL
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Removes a loaded module and loads it again, in one request, as
 * `modprobe -r NAME && modprobe NAME` would: the devices its drivers serve
 * are unbound first and bound again when it is back; its dependencies
 * stay loaded. It is loaded again with the parameters the service loaded
 * it with (when it did), or @parameters; modprobe.d's options apply.
 *
 * Typical errors are %KMODD_ERROR_NOT_LOADED, %KMODD_ERROR_BUILTIN,
 * %KMODD_ERROR_IN_USE (holders or a use count; devices are no obstacle),
 * %KMODD_ERROR_INVALID_PARAMETERS and %KMODD_ERROR_NOT_AUTHORIZED, all
 * with nothing changed. When the module was removed but could not be
 * loaded again, it stays unloaded and the error (the load's) says so.
 */
void
kmodd_client_reload_async (KmoddClient        *client,
                           const char         *name,
                           const char         *parameters,
                           KmoddReloadFlags    flags,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  task = _kmodd_client_task_new (client, kmodd_client_reload_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_reload (_kmodd_client_get_proxy (client), name,
                                    reload_options (parameters, flags),
                                    _kmodd_client_call_flags (client),
                                    _kmodd_client_call_timeout (client),
                                    cancellable, on_reload_done, task);
}

/**
 * kmodd_client_reload_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.reload_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): "-NAME" for each
 *   module removed, then "+NAME" for each module inserted, e.g.
 *   `["-e1000", "+e1000"]` (with %KMODD_RELOAD_FLAGS_DRY_RUN: what would
 *   be); %NULL on error
 */
GStrv
kmodd_client_reload_finish (KmoddClient  *client,
                            GAsyncResult *result,
                            GError      **error)
{
  return _kmodd_client_task_finish (client, result, kmodd_client_reload_async, error);
}

/**
 * kmodd_client_reload_sync:
 * @client: a client
 * @name: a module name, or an alias that stands for one loaded module
 * @parameters: (nullable): parameters to load it with instead of the ones
 *   it had, or %NULL
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Reloads a module, blocking; see [method@Kmodd.Client.reload_async].
 *
 * Returns: (transfer full) (array zero-terminated=1): "-NAME" for each
 *   module removed, then "+NAME" for each module inserted; %NULL on error
 */
GStrv
kmodd_client_reload_sync (KmoddClient     *client,
                          const char      *name,
                          const char      *parameters,
                          KmoddReloadFlags flags,
                          GCancellable    *cancellable,
                          GError         **error)
{
  GStrv changed = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_reload_sync (_kmodd_client_get_proxy (client), name,
                                            reload_options (parameters, flags),
                                            _kmodd_client_call_flags (client),
                                            _kmodd_client_call_timeout (client), &changed,
                                            cancellable, error))
    _kmodd_client_strip_error (error);
  return changed;
}
