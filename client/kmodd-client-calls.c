/* kmodd-client-calls.c: Load, Unload, List, Info and AutoClean, each as
 * _async/_finish/_sync on the typed calls gdbus-codegen makes; and what
 * every call shares (kmodd-private.h), kmodd-client-config.c's included.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-client.h"
#include "kmodd-names.h"
#include "kmodd-private.h"

/* ---- what the calls share (kmodd-private.h) ------------------------------------ */

KmoddDBusManager *
_kmodd_client_get_proxy (KmoddClient *client)
{
  return client->proxy;
}

GDBusCallFlags
_kmodd_client_call_flags (KmoddClient *client)
{
  return client->allow_interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                                   : G_DBUS_CALL_FLAGS_NONE;
}

int
_kmodd_client_call_timeout (KmoddClient *client)
{
  /* a person may take a while to type a password; the service gives up on
   * polkit after its own AuthorizationTimeout */
  return client->allow_interactive ? G_MAXINT : -1;
}

gboolean
_kmodd_client_check_initialized (KmoddClient *client,
                                 GError     **error)
{
  if (client->proxy != NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                       "The client was not initialized");
  return FALSE;
}

GTask *
_kmodd_client_task_new (KmoddClient        *client,
                        gpointer            source_tag,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  if (_kmodd_client_check_initialized (client, &error))
    return task;
  g_task_return_error (task, error);
  g_object_unref (task);
  return NULL;
}

/* Remote errors come as "GDBus.Error:<name>: <message>" in the domain
* registered for <name>; keep the domain and code, drop the prefix. */
void
_kmodd_client_task_return (GTask         *task,
                           gboolean       ok,
                           gpointer       value,
                           GDestroyNotify value_free,
                           GError        *error)
{
  if (ok)
    {
      g_task_return_pointer (task, value, value_free);
    }
  else
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_error (task, error);
    }
  g_object_unref (task);
}

gpointer
_kmodd_client_task_finish (KmoddClient  *client,
                           GAsyncResult *result,
                           gpointer      source_tag,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
_kmodd_client_strip_error (GError **error)
{
  if (error != NULL && *error != NULL)
    g_dbus_error_strip_remote_error (*error);
}

/* ---- calls ----------------------------------------------------------------------------- */

static GVariant *
load_options (const char    *parameters,
              KmoddLoadFlags flags)
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
  return g_variant_dict_end (&options);
}

static void
on_load_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GStrv inserted = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_load_finish (KMODD_DBUS_MANAGER (source),
                                                     &inserted, res, &error);

  _kmodd_client_task_return (user_data, ok, inserted, (GDestroyNotify) g_strfreev, error);
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
kmodd_client_load_async (KmoddClient        *client,
                         const char         *name,
                         const char         *parameters,
                         KmoddLoadFlags      flags,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  task = _kmodd_client_task_new (client, kmodd_client_load_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_load (_kmodd_client_get_proxy (client), name,
                                  load_options (parameters, flags),
                                  _kmodd_client_call_flags (client),
                                  _kmodd_client_call_timeout (client),
                                  cancellable, on_load_done, task);
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
kmodd_client_load_finish (KmoddClient  *client,
                          GAsyncResult *result,
                          GError      **error)
{
  return _kmodd_client_task_finish (client, result, kmodd_client_load_async, error);
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
  GStrv inserted = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_load_sync (_kmodd_client_get_proxy (client), name,
                                          load_options (parameters, flags),
                                          _kmodd_client_call_flags (client),
                                          _kmodd_client_call_timeout (client), &inserted,
                                          cancellable, error))
    _kmodd_client_strip_error (error);
  return inserted;
}

static GVariant *
unload_options (KmoddUnloadFlags flags)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (flags & KMODD_UNLOAD_FLAGS_DEPENDENCIES)
    g_variant_dict_insert (&options, KMODD_OPTION_DEPENDENCIES, "b", TRUE);
  if (flags & KMODD_UNLOAD_FLAGS_DRY_RUN)
    g_variant_dict_insert (&options, KMODD_OPTION_DRY_RUN, "b", TRUE);
  if (flags & KMODD_UNLOAD_FLAGS_UNBIND)
    g_variant_dict_insert (&options, KMODD_OPTION_UNBIND, "b", TRUE);
  return g_variant_dict_end (&options);
}

static void
on_unload_done (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  GStrv removed = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_unload_finish (KMODD_DBUS_MANAGER (source),
                                                       &removed, res, &error);

  _kmodd_client_task_return (user_data, ok, removed, (GDestroyNotify) g_strfreev, error);
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
kmodd_client_unload_async (KmoddClient        *client,
                           const char         *name,
                           KmoddUnloadFlags    flags,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  task = _kmodd_client_task_new (client, kmodd_client_unload_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_unload (_kmodd_client_get_proxy (client), name,
                                    unload_options (flags),
                                    _kmodd_client_call_flags (client),
                                    _kmodd_client_call_timeout (client),
                                    cancellable, on_unload_done, task);
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
kmodd_client_unload_finish (KmoddClient  *client,
                            GAsyncResult *result,
                            GError      **error)
{
  return _kmodd_client_task_finish (client, result, kmodd_client_unload_async, error);
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
kmodd_client_unload_sync (KmoddClient     *client,
                          const char      *name,
                          KmoddUnloadFlags flags,
                          GCancellable    *cancellable,
                          GError         **error)
{
  GStrv removed = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_unload_sync (_kmodd_client_get_proxy (client), name,
                                            unload_options (flags),
                                            _kmodd_client_call_flags (client),
                                            _kmodd_client_call_timeout (client), &removed,
                                            cancellable, error))
    _kmodd_client_strip_error (error);
  return removed;
}

static GVariant *
list_options (KmoddListFlags      flags,
              const char * const *names)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (flags & KMODD_LIST_FLAGS_INCLUDE_BUILTIN)
    g_variant_dict_insert (&options, KMODD_OPTION_INCLUDE_BUILTIN, "b", TRUE);
  if (names != NULL)
    g_variant_dict_insert_value (&options, KMODD_OPTION_NAMES, g_variant_new_strv (names, -1));
  return g_variant_dict_end (&options);
}

/* @entries: (transfer full) (nullable): the aa{sv} of the List reply */
static GPtrArray *
reply_to_modules (GVariant *entries)
{
  GPtrArray *modules;
  GVariantIter iter;
  GVariant *entry;

  if (entries == NULL)
    return NULL;

  modules = g_ptr_array_new_full (g_variant_n_children (entries), g_object_unref);
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_ptr_array_add (modules, _kmodd_module_new_from_variant (entry));
      g_variant_unref (entry);
    }
  g_variant_unref (entries);
  return modules;
}

static void
on_list_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GVariant *entries = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_list_finish (KMODD_DBUS_MANAGER (source),
                                                     &entries, res, &error);

  _kmodd_client_task_return (user_data, ok, entries, (GDestroyNotify) g_variant_unref, error);
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
kmodd_client_list_async (KmoddClient        *client,
                         KmoddListFlags      flags,
                         const char * const *names,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));

  task = _kmodd_client_task_new (client, kmodd_client_list_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_list (_kmodd_client_get_proxy (client),
                                  list_options (flags, names),
                                  _kmodd_client_call_flags (client),
                                  _kmodd_client_call_timeout (client),
                                  cancellable, on_list_done, task);
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
kmodd_client_list_finish (KmoddClient  *client,
                          GAsyncResult *result,
                          GError      **error)
{
  return reply_to_modules (_kmodd_client_task_finish (client, result, kmodd_client_list_async,
                                                      error));
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
kmodd_client_list_sync (KmoddClient        *client,
                        KmoddListFlags      flags,
                        const char * const *names,
                        GCancellable       *cancellable,
                        GError            **error)
{
  GVariant *entries = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_list_sync (_kmodd_client_get_proxy (client),
                                          list_options (flags, names),
                                          _kmodd_client_call_flags (client),
                                          _kmodd_client_call_timeout (client), &entries,
                                          cancellable, error))
    _kmodd_client_strip_error (error);
  return reply_to_modules (entries);
}

/* @dict: (transfer full) (nullable): the a{sv} of the Info reply */
static KmoddModuleInfo *
reply_to_info (GVariant *dict)
{
  KmoddModuleInfo *info;

  if (dict == NULL)
    return NULL;
  info = _kmodd_module_info_new_from_variant (dict);
  g_variant_unref (dict);
  return info;
}

static void
on_info_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GVariant *dict = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_info_finish (KMODD_DBUS_MANAGER (source),
                                                     &dict, res, &error);

  _kmodd_client_task_return (user_data, ok, dict, (GDestroyNotify) g_variant_unref, error);
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
kmodd_client_info_async (KmoddClient        *client,
                         const char         *name,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  task = _kmodd_client_task_new (client, kmodd_client_info_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_info (_kmodd_client_get_proxy (client), name,
                                  g_variant_new ("a{sv}", NULL),
                                  _kmodd_client_call_flags (client),
                                  _kmodd_client_call_timeout (client),
                                  cancellable, on_info_done, task);
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
kmodd_client_info_finish (KmoddClient  *client,
                          GAsyncResult *result,
                          GError      **error)
{
  return reply_to_info (_kmodd_client_task_finish (client, result, kmodd_client_info_async,
                                                   error));
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
kmodd_client_info_sync (KmoddClient  *client,
                        const char   *name,
                        GCancellable *cancellable,
                        GError      **error)
{
  GVariant *dict = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_info_sync (_kmodd_client_get_proxy (client), name,
                                          g_variant_new ("a{sv}", NULL),
                                          _kmodd_client_call_flags (client),
                                          _kmodd_client_call_timeout (client), &dict,
                                          cancellable, error))
    _kmodd_client_strip_error (error);
  return reply_to_info (dict);
}

static GVariant *
autoclean_options (KmoddAutoCleanFlags flags)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (flags & KMODD_AUTO_CLEAN_FLAGS_ALL)
    g_variant_dict_insert (&options, KMODD_OPTION_ALL, "b", TRUE);
  return g_variant_dict_end (&options);
}

static void
on_autoclean_done (GObject      *source,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  GStrv removed = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_auto_clean_finish (KMODD_DBUS_MANAGER (source),
                                                           &removed, res, &error);

  _kmodd_client_task_return (user_data, ok, removed, (GDestroyNotify) g_strfreev, error);
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
kmodd_client_autoclean_async (KmoddClient        *client,
                              KmoddAutoCleanFlags flags,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));

  task = _kmodd_client_task_new (client, kmodd_client_autoclean_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_auto_clean (_kmodd_client_get_proxy (client),
                                        autoclean_options (flags),
                                        _kmodd_client_call_flags (client),
                                        _kmodd_client_call_timeout (client),
                                        cancellable, on_autoclean_done, task);
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
kmodd_client_autoclean_finish (KmoddClient  *client,
                               GAsyncResult *result,
                               GError      **error)
{
  return _kmodd_client_task_finish (client, result, kmodd_client_autoclean_async, error);
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
kmodd_client_autoclean_sync (KmoddClient        *client,
                             KmoddAutoCleanFlags flags,
                             GCancellable       *cancellable,
                             GError            **error)
{
  GStrv removed = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_auto_clean_sync (_kmodd_client_get_proxy (client),
                                                autoclean_options (flags),
                                                _kmodd_client_call_flags (client),
                                                _kmodd_client_call_timeout (client), &removed,
                                                cancellable, error))
    _kmodd_client_strip_error (error);
  return removed;
}
