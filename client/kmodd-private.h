/* kmodd-private.h: constructors the client uses internally; not installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include "kmodd-client.h"
#include "kmodd-dbus-generated.h"

#include "kmodd-module-event.h"
#include "kmodd-module-info.h"
#include "kmodd-module.h"
#include "kmodd-device.h"

G_BEGIN_DECLS

/* KmoddClient's instance, for the files of kmodd-client-*.c */
struct _KmoddClient {
  GObject           parent_instance;

  GDBusConnection  *connection;
  KmoddClientFlags  flags;
  KmoddDBusManager *proxy;
  gboolean          allow_interactive;
  char             *host;
  guint             connect_timeout;
};


/* KmoddClient:connect-timeout's default, in seconds */
#define KMODD_CLIENT_DEFAULT_CONNECT_TIMEOUT 30

/* @entry: one a{sv} of the List reply */
KmoddModule      *_kmodd_module_new_from_variant      (GVariant *entry);

/* @entry: one a{sv} of the Devices reply */
KmoddDevice      *_kmodd_device_new_from_variant      (GVariant *entry);

/* @dict: the a{sv} of the Info reply */
KmoddModuleInfo  *_kmodd_module_info_new_from_variant (GVariant *dict);

/* @details: the a{sv} of ModuleLoaded/ModuleUnloaded */
KmoddModuleEvent *_kmodd_module_event_new             (const char          *name,
                                                       KmoddModuleEventKind kind,
                                                       GVariant            *details,
                                                       gint64               time_usec);

/* kmodd-client-host.c: a bus connection through ssh HOST systemd-stdio-bridge */
void              _kmodd_connect_to_host_async        (const char         *host,
                                                       guint               timeout_sec,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GDBusConnection  *_kmodd_connect_to_host_finish       (GAsyncResult *result,
                                                       GError      **error);
GDBusConnection  *_kmodd_connect_to_host_sync         (const char   *host,
                                                       guint         timeout_sec,
                                                       GCancellable *cancellable,
                                                       GError      **error);

/* kmodd-client-calls.c: what the calls (there and in kmodd-client-config.c)
 * need of the client. Each call goes through the typed function gdbus-codegen
 * makes (kmodd_dbus_manager_call_*), with these flags and this timeout. */

KmoddDBusManager *_kmodd_client_get_proxy         (KmoddClient *client);
GDBusCallFlags    _kmodd_client_call_flags        (KmoddClient *client);
int               _kmodd_client_call_timeout      (KmoddClient *client);
gboolean          _kmodd_client_check_initialized (KmoddClient *client,
                                                   GError     **error);

/* A task for an asynchronous call; %NULL if the client was not initialized,
 * in which case the error has been returned through @callback already. */
GTask            *_kmodd_client_task_new          (KmoddClient        *client,
                                                   gpointer            source_tag,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
/* Returns @value (if @ok) or @error, stripped of its remote prefix
 * ("GDBus.Error:<name>: "), through @task, and drops @task. */
void              _kmodd_client_task_return       (GTask         *task,
                                                   gboolean       ok,
                                                   gpointer       value,
                                                   GDestroyNotify value_free,
                                                   GError        *error);
gpointer          _kmodd_client_task_finish       (KmoddClient  *client,
                                                   GAsyncResult *result,
                                                   gpointer      source_tag,
                                                   GError      **error);
/* After a synchronous call failed: strips the remote prefix from *@error */
void              _kmodd_client_strip_error       (GError **error);

G_END_DECLS
