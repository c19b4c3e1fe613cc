/* kmodd-client-devices.c: KmoddClient's Devices call.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-names.h"
#include "kmodd-private.h"

static GVariant *
devices_options (KmoddDevicesFlags flags)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  if (flags & KMODD_DEVICES_FLAGS_UNBOUND)
    g_variant_dict_insert (&options, KMODD_OPTION_UNBOUND, "b", TRUE);
  return g_variant_dict_end (&options);
}

/* @entries: (transfer full) (nullable): the aa{sv} of the Devices reply */
static GPtrArray *
reply_to_devices (GVariant *entries)
{
  GPtrArray *devices;
  GVariantIter iter;
  GVariant *entry;

  if (entries == NULL)
    return NULL;

  devices = g_ptr_array_new_full (g_variant_n_children (entries), g_object_unref);
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_ptr_array_add (devices, _kmodd_device_new_from_variant (entry));
      g_variant_unref (entry);
    }
  g_variant_unref (entries);
  return devices;
}

static void
on_devices_done (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  GVariant *entries = NULL;
  GError *error = NULL;
  gboolean ok = kmodd_dbus_manager_call_devices_finish (KMODD_DBUS_MANAGER (source),
                                                        &entries, res, &error);

  _kmodd_client_task_return (user_data, ok, entries, (GDestroyNotify) g_variant_unref, error);
}

/**
 * kmodd_client_devices_async:
 * @client: a client
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Lists the devices the kernel gives a modalias (any bus or class): which
 * driver and module serve each, which modules could, and which of those
 * are blacklisted. Needs no authorization. Watch
 * [signal@Kmodd.Client::devices-changed] to know when to list again.
 */
void
kmodd_client_devices_async (KmoddClient        *client,
                            KmoddDevicesFlags   flags,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KMODD_IS_CLIENT (client));

  task = _kmodd_client_task_new (client, kmodd_client_devices_async,
                                 cancellable, callback, user_data);
  if (task != NULL)
    kmodd_dbus_manager_call_devices (_kmodd_client_get_proxy (client),
                                     devices_options (flags),
                                     _kmodd_client_call_flags (client),
                                     _kmodd_client_call_timeout (client),
                                     cancellable, on_devices_done, task);
}

/**
 * kmodd_client_devices_finish:
 * @client: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Kmodd.Client.devices_async].
 *
 * Returns: (transfer container) (element-type KmoddDevice): the devices,
 *   sorted by their path in sysfs; %NULL on error
 */
GPtrArray *
kmodd_client_devices_finish (KmoddClient  *client,
                             GAsyncResult *result,
                             GError      **error)
{
  return reply_to_devices (_kmodd_client_task_finish (client, result,
                                                      kmodd_client_devices_async, error));
}

/**
 * kmodd_client_devices_sync:
 * @client: a client
 * @flags: flags
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Lists the devices, blocking; see [method@Kmodd.Client.devices_async].
 *
 * Returns: (transfer container) (element-type KmoddDevice): the devices;
 *   %NULL on error
 */
GPtrArray *
kmodd_client_devices_sync (KmoddClient      *client,
                           KmoddDevicesFlags flags,
                           GCancellable     *cancellable,
                           GError          **error)
{
  GVariant *entries = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);

  if (!_kmodd_client_check_initialized (client, error))
    return NULL;
  if (!kmodd_dbus_manager_call_devices_sync (_kmodd_client_get_proxy (client),
                                             devices_options (flags),
                                             _kmodd_client_call_flags (client),
                                             _kmodd_client_call_timeout (client), &entries,
                                             cancellable, error))
    _kmodd_client_strip_error (error);
  return reply_to_devices (entries);
}
