/* kmodd-private.h: constructors the client uses internally; not installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include "kmodd-client.h"

#include "kmodd-module-event.h"
#include "kmodd-module-info.h"
#include "kmodd-module.h"

G_BEGIN_DECLS

/* KmoddClient:connect-timeout's default, in seconds */
#define KMODD_CLIENT_DEFAULT_CONNECT_TIMEOUT 30

/* @entry: one a{sv} of the List reply */
KmoddModule      *_kmodd_module_new_from_variant      (GVariant   *entry);

/* @dict: the a{sv} of the Info reply */
KmoddModuleInfo  *_kmodd_module_info_new_from_variant (GVariant   *dict);

/* @details: the a{sv} of ModuleLoaded/ModuleUnloaded */
KmoddModuleEvent *_kmodd_module_event_new             (const char          *name,
                                                       KmoddModuleEventKind kind,
                                                       GVariant            *details,
                                                       gint64               time_usec);

/* kmodd-client-host.c: a bus connection through ssh HOST systemd-stdio-bridge */
void              _kmodd_connect_to_host_async        (const char          *host,
                                                       guint                timeout_sec,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GDBusConnection  *_kmodd_connect_to_host_finish       (GAsyncResult        *result,
                                                       GError             **error);
GDBusConnection  *_kmodd_connect_to_host_sync         (const char          *host,
                                                       guint                timeout_sec,
                                                       GCancellable        *cancellable,
                                                       GError             **error);

/* the calls of kmodd-client.c, for kmodd-client-config.c */

void      _kmodd_client_call_async  (KmoddClient         *client,
                                     const char          *method,
                                     GVariant            *parameters,
                                     gpointer             source_tag,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
GVariant *_kmodd_client_call_finish (KmoddClient         *client,
                                     GAsyncResult        *result,
                                     gpointer             source_tag,
                                     GError             **error);
GVariant *_kmodd_client_call_sync   (KmoddClient         *client,
                                     const char          *method,
                                     GVariant            *parameters,
                                     GCancellable        *cancellable,
                                     GError             **error);

G_END_DECLS
