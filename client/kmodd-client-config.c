/* kmodd-client-config.c: the configuration of modules that survives a
 * reboot: SetBootLoad, SetBlocked, SetParameters and GetConfiguration.
 *
 * The replies are the service's a{sv} dictionaries as they come, documented
 * with the methods in org.freedesktop.KernelModules1.Manager.xml: a panel
 * shows what it knows and skips what it does not.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-client-config.h"
#include "kmodd-names.h"
#include "kmodd-private.h"

static GVariant *
configure_options (KmoddConfigureFlags flags)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (flags & KMODD_CONFIGURE_FLAGS_RUNTIME)
    g_variant_dict_insert (&options, KMODD_OPTION_RUNTIME, "b", TRUE);
  if (flags & KMODD_CONFIGURE_FLAGS_DRY_RUN)
    g_variant_dict_insert (&options, KMODD_OPTION_DRY_RUN, "b", TRUE);
  if (flags & KMODD_CONFIGURE_FLAGS_IN_USE)
    g_variant_dict_insert (&options, KMODD_OPTION_IN_USE, "b", TRUE);
  if (flags & KMODD_CONFIGURE_FLAGS_NOW)
    g_variant_dict_insert (&options, KMODD_OPTION_NOW, "b", TRUE);
  return g_variant_dict_end (&options);
}

static void
return_dict (GTask    *task,
             gboolean  ok,
             GVariant *dict,
             GError   *error)
{
  _kmodd_client_task_return (task, ok, dict, (GDestroyNotify) g_variant_unref, error);
}

static void
on_set_boot_load_done (GObject      *source,
                       GAsyncResult *res,
                       gpointer      user_data)
{
  GVariant *dict = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_set_boot_load_finish (KMODD_DBUS_MANAGER (source),
                                                              &dict, res, &error);

  return_dict (user_data, ok, dict, error);
}

/**
 * kmodd_client_set_boot_load_async:
 * @client: a client
 * @name: a module name or an alias that stands for exactly one module
 * @enabled: whether systemd-modules-load loads the module at boot
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Sets whether systemd-modules-load loads the module at boot, through
 * kmodd's own file in `/etc/modules-load.d/` (`/run/modules-load.d/` with
 * %KMODD_CONFIGURE_FLAGS_RUNTIME). Needs the polkit action
 * `org.freedesktop.KernelModules1.configure`, which the `kmodd` group does
 * not grant.
 *
 * Typical errors are %KMODD_ERROR_NOT_FOUND, %KMODD_ERROR_INVALID_NAME (an
 * alias that matches several modules), %KMODD_ERROR_BLACKLISTED,
 * %KMODD_ERROR_CONFIGURED_ELSEWHERE (another file loads it; the message
 * names it) and %KMODD_ERROR_NOT_AUTHORIZED.
 */
void
kmodd_client_set_boot_load_async (KmoddClient        *client,
                                  const char         *name,
                                  gboolean            enabled,
                                  KmoddConfigureFlags flags,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  task = _kmodd_client_task_new (client, kmodd_client_set_boot_load_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_set_boot_load (_kmodd_client_get_proxy (client), name,
                                           enabled, configure_options (flags),
                                           _kmodd_client_call_flags (client),
                                           _kmodd_client_call_timeout (client),
                                           cancellable, on_set_boot_load_done, task);
}

/**
 * kmodd_client_set_boot_load_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.set_boot_load_async].
 *
 * Returns: (transfer full): the result, an `a{sv}` dictionary: "module"
 *   (s), "file" (s), "changed" (b), "contents" (s), "note" (s) and, with
 *   %KMODD_CONFIGURE_FLAGS_NOW, "applied" (a{ss}); %NULL on error
 */
GVariant *
kmodd_client_set_boot_load_finish (KmoddClient  *client,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return _kmodd_client_task_finish (client, result, kmodd_client_set_boot_load_async, error);
}

/**
 * kmodd_client_set_boot_load_sync:
 * @client: a client
 * @name: a module name or an alias that stands for exactly one module
 * @enabled: whether systemd-modules-load loads the module at boot
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Sets whether a module is loaded at boot, blocking; see [method@Kmodd.Client.set_boot_load_async].
 *
 * Returns: (transfer full): the result, as for
 *   [method@Kmodd.Client.set_boot_load_finish]; %NULL on error
 */
GVariant *
kmodd_client_set_boot_load_sync (KmoddClient        *client,
                                 const char         *name,
                                 gboolean            enabled,
                                 KmoddConfigureFlags flags,
                                 GCancellable       *cancellable,
                                 GError            **error)
{
  GVariant *dict = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_set_boot_load_sync (_kmodd_client_get_proxy (client), name,
                                                   enabled, configure_options (flags),
                                                   _kmodd_client_call_flags (client),
                                                   _kmodd_client_call_timeout (client), &dict,
                                                   cancellable, error))
    _kmodd_client_strip_error (error);
  return dict;
}

static void
on_set_blocked_done (GObject      *source,
                     GAsyncResult *res,
                     gpointer      user_data)
{
  GVariant *dict = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_set_blocked_finish (KMODD_DBUS_MANAGER (source),
                                                            &dict, res, &error);

  return_dict (user_data, ok, dict, error);
}

/**
 * kmodd_client_set_blocked_async:
 * @client: a client
 * @name: a module name or an alias that stands for exactly one module
 * @blocked: whether the module is blocked
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Blocks a module (`blacklist` and `install NAME /bin/false` in kmodd's
 * own file in `/etc/modprobe.d/`), or unblocks it. Blocking does not
 * unload: a loaded module stays loaded, and every later load fails. A
 * module in use is refused with %KMODD_ERROR_IN_USE unless
 * %KMODD_CONFIGURE_FLAGS_IN_USE is given. Unblocking a module that another
 * file blocks is %KMODD_ERROR_CONFIGURED_ELSEWHERE. Needs the polkit
 * action `org.freedesktop.KernelModules1.configure`.
 */
void
kmodd_client_set_blocked_async (KmoddClient        *client,
                                const char         *name,
                                gboolean            blocked,
                                KmoddConfigureFlags flags,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  task = _kmodd_client_task_new (client, kmodd_client_set_blocked_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_set_blocked (_kmodd_client_get_proxy (client), name,
                                         blocked, configure_options (flags),
                                         _kmodd_client_call_flags (client),
                                         _kmodd_client_call_timeout (client),
                                         cancellable, on_set_blocked_done, task);
}

/**
 * kmodd_client_set_blocked_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.set_blocked_async].
 *
 * Returns: (transfer full): the result, an `a{sv}` dictionary: "module"
 *   (s), "file" (s), "changed" (b), "contents" (s), "note" (s) and, with
 *   %KMODD_CONFIGURE_FLAGS_NOW, "applied" (a{ss}); %NULL on error
 */
GVariant *
kmodd_client_set_blocked_finish (KmoddClient  *client,
                                 GAsyncResult *result,
                                 GError      **error)
{
  return _kmodd_client_task_finish (client, result, kmodd_client_set_blocked_async, error);
}

/**
 * kmodd_client_set_blocked_sync:
 * @client: a client
 * @name: a module name or an alias that stands for exactly one module
 * @blocked: whether the module is blocked
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Blocks or unblocks a module, blocking; see [method@Kmodd.Client.set_blocked_async].
 *
 * Returns: (transfer full): the result, as for
 *   [method@Kmodd.Client.set_blocked_finish]; %NULL on error
 */
GVariant *
kmodd_client_set_blocked_sync (KmoddClient        *client,
                               const char         *name,
                               gboolean            blocked,
                               KmoddConfigureFlags flags,
                               GCancellable       *cancellable,
                               GError            **error)
{
  GVariant *dict = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_set_blocked_sync (_kmodd_client_get_proxy (client), name,
                                                 blocked, configure_options (flags),
                                                 _kmodd_client_call_flags (client),
                                                 _kmodd_client_call_timeout (client), &dict,
                                                 cancellable, error))
    _kmodd_client_strip_error (error);
  return dict;
}

static void
on_set_parameters_done (GObject      *source,
                        GAsyncResult *res,
                        gpointer      user_data)
{
  GVariant *dict = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_set_parameters_finish (KMODD_DBUS_MANAGER (source),
                                                               &dict, res, &error);

  return_dict (user_data, ok, dict, error);
}

/**
 * kmodd_client_set_parameters_async:
 * @client: a client
 * @name: a module name or an alias that stands for exactly one module
 * @parameters: space-separated `key=value` words, each a parameter the module declares; an empty string removes the module's options line
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Sets the options a module gets when it is loaded (`options NAME ...` in
 * kmodd's own file in `/etc/modprobe.d/`). With
 * %KMODD_CONFIGURE_FLAGS_NOW the values are also written to the loaded
 * module, if the kernel lets all of them change at run time
 * (%KMODD_ERROR_INVALID_PARAMETERS naming the others otherwise, and then
 * nothing is written). Needs the polkit action
 * `org.freedesktop.KernelModules1.configure`.
 */
void
kmodd_client_set_parameters_async (KmoddClient        *client,
                                   const char         *name,
                                   const char         *parameters,
                                   KmoddConfigureFlags flags,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  task = _kmodd_client_task_new (client, kmodd_client_set_parameters_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_set_parameters (_kmodd_client_get_proxy (client), name,
                                            parameters, configure_options (flags),
                                            _kmodd_client_call_flags (client),
                                            _kmodd_client_call_timeout (client),
                                            cancellable, on_set_parameters_done, task);
}

/**
 * kmodd_client_set_parameters_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.set_parameters_async].
 *
 * Returns: (transfer full): the result, an `a{sv}` dictionary: "module"
 *   (s), "file" (s), "changed" (b), "contents" (s), "note" (s) and, with
 *   %KMODD_CONFIGURE_FLAGS_NOW, "applied" (a{ss}); %NULL on error
 */
GVariant *
kmodd_client_set_parameters_finish (KmoddClient  *client,
                                    GAsyncResult *result,
                                    GError      **error)
{
  return _kmodd_client_task_finish (client, result, kmodd_client_set_parameters_async, error);
}

/**
 * kmodd_client_set_parameters_sync:
 * @client: a client
 * @name: a module name or an alias that stands for exactly one module
 * @parameters: space-separated `key=value` words, each a parameter the module declares; an empty string removes the module's options line
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Sets the options a module gets when it is loaded, blocking; see [method@Kmodd.Client.set_parameters_async].
 *
 * Returns: (transfer full): the result, as for
 *   [method@Kmodd.Client.set_parameters_finish]; %NULL on error
 */
GVariant *
kmodd_client_set_parameters_sync (KmoddClient        *client,
                                  const char         *name,
                                  const char         *parameters,
                                  KmoddConfigureFlags flags,
                                  GCancellable       *cancellable,
                                  GError            **error)
{
  GVariant *dict = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_set_parameters_sync (_kmodd_client_get_proxy (client), name,
                                                    parameters, configure_options (flags),
                                                    _kmodd_client_call_flags (client),
                                                    _kmodd_client_call_timeout (client), &dict,
                                                    cancellable, error))
    _kmodd_client_strip_error (error);
  return dict;
}

static void
on_get_configuration_done (GObject      *source,
                           GAsyncResult *res,
                           gpointer      user_data)
{
  GVariant *dict = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_get_configuration_finish (KMODD_DBUS_MANAGER (source),
                                                                  &dict, res, &error);

  return_dict (user_data, ok, dict, error);
}

/**
 * kmodd_client_get_configuration_async:
 * @client: a client
 * @name: a module name or an alias that stands for exactly one module
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Gets the effective configuration of a module: whether it is loaded at
 * boot, blocked, every line of modules-load.d, modprobe.d and the kernel
 * command line that concerns it with its source, the current values of
 * its parameters (those only root may read are left out for others), and
 * whether the initramfs predates a change. Needs no authorization.
 */
void
kmodd_client_get_configuration_async (KmoddClient        *client,
                                      const char         *name,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));
  g_return_if_fail (name != NULL);

  task = _kmodd_client_task_new (client, kmodd_client_get_configuration_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_get_configuration (_kmodd_client_get_proxy (client), name, g_variant_new ("a{sv}", NULL),
                                               _kmodd_client_call_flags (client),
                                               _kmodd_client_call_timeout (client),
                                               cancellable, on_get_configuration_done, task);
}

/**
 * kmodd_client_get_configuration_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.get_configuration_async].
 *
 * Returns: (transfer full): an `a{sv}` dictionary: "module" (s),
 *   "boot-load" (b), "blocked" (b), "entries" (a(sss): kind, value,
 *   source), "loaded" (b), "parameters" (a{ss}), "hidden-parameters" (as),
 *   "initramfs" (s), "initramfs-stale" (b); %NULL on error
 */
GVariant *
kmodd_client_get_configuration_finish (KmoddClient  *client,
                                       GAsyncResult *result,
                                       GError      **error)
{
  return _kmodd_client_task_finish (client, result, kmodd_client_get_configuration_async, error);
}

/**
 * kmodd_client_get_configuration_sync:
 * @client: a client
 * @name: a module name or an alias that stands for exactly one module
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Gets the effective configuration of a module, blocking; see
 * [method@Kmodd.Client.get_configuration_async].
 *
 * Returns: (transfer full): the configuration, as for
 *   [method@Kmodd.Client.get_configuration_finish]; %NULL on error
 */
GVariant *
kmodd_client_get_configuration_sync (KmoddClient  *client,
                                     const char   *name,
                                     GCancellable *cancellable,
                                     GError      **error)
{
  GVariant *dict = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_get_configuration_sync (_kmodd_client_get_proxy (client), name,
                                                       g_variant_new ("a{sv}", NULL),
                                                       _kmodd_client_call_flags (client),
                                                       _kmodd_client_call_timeout (client),
                                                       &dict, cancellable, error))
    _kmodd_client_strip_error (error);
  return dict;
}
