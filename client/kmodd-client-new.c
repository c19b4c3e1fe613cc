/* kmodd-client-new.c: the constructors of KmoddClient (kmodd_client_new*,
 * but kmodd_client_new_for_host*, in kmodd-client-host.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-client.h"
#include "kmodd-private.h"

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
kmodd_client_new (GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  g_async_initable_new_async (KMODD_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data, NULL);
}

static KmoddClient *
new_finish (GAsyncResult *result,
            GError      **error)
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
kmodd_client_new_finish (GAsyncResult *result,
                         GError      **error)
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
kmodd_client_new_sync (GCancellable *cancellable,
                       GError      **error)
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
kmodd_client_new_for_connection (GDBusConnection    *connection,
                                 KmoddClientFlags    flags,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
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
kmodd_client_new_for_connection_finish (GAsyncResult *result,
                                        GError      **error)
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
kmodd_client_new_for_connection_sync (GDBusConnection *connection,
                                      KmoddClientFlags flags,
                                      GCancellable    *cancellable,
                                      GError         **error)
{
  g_return_val_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection), NULL);

  return g_initable_new (KMODD_TYPE_CLIENT, cancellable, error,
                         "connection", connection, "flags", flags, NULL);
}
