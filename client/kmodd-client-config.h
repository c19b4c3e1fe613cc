/* kmodd-client-config.h: the configuration of modules that survives a
 * reboot (load at boot, block, parameters).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kmodd-client.h"
#include "kmodd-enums.h"

G_BEGIN_DECLS

void      kmodd_client_set_boot_load_async      (KmoddClient        *client,
                                                 const char         *name,
                                                 gboolean            enabled,
                                                 KmoddConfigureFlags flags,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
GVariant *kmodd_client_set_boot_load_finish     (KmoddClient  *client,
                                                 GAsyncResult *result,
                                                 GError      **error);
GVariant *kmodd_client_set_boot_load_sync       (KmoddClient        *client,
                                                 const char         *name,
                                                 gboolean            enabled,
                                                 KmoddConfigureFlags flags,
                                                 GCancellable       *cancellable,
                                                 GError            **error);

void      kmodd_client_set_blocked_async        (KmoddClient        *client,
                                                 const char         *name,
                                                 gboolean            blocked,
                                                 KmoddConfigureFlags flags,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
GVariant *kmodd_client_set_blocked_finish       (KmoddClient  *client,
                                                 GAsyncResult *result,
                                                 GError      **error);
GVariant *kmodd_client_set_blocked_sync         (KmoddClient        *client,
                                                 const char         *name,
                                                 gboolean            blocked,
                                                 KmoddConfigureFlags flags,
                                                 GCancellable       *cancellable,
                                                 GError            **error);

void      kmodd_client_set_parameters_async     (KmoddClient        *client,
                                                 const char         *name,
                                                 const char         *parameters,
                                                 KmoddConfigureFlags flags,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
GVariant *kmodd_client_set_parameters_finish    (KmoddClient  *client,
                                                 GAsyncResult *result,
                                                 GError      **error);
GVariant *kmodd_client_set_parameters_sync      (KmoddClient        *client,
                                                 const char         *name,
                                                 const char         *parameters,
                                                 KmoddConfigureFlags flags,
                                                 GCancellable       *cancellable,
                                                 GError            **error);

void      kmodd_client_get_configuration_async  (KmoddClient        *client,
                                                 const char         *name,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
GVariant *kmodd_client_get_configuration_finish (KmoddClient  *client,
                                                 GAsyncResult *result,
                                                 GError      **error);
GVariant *kmodd_client_get_configuration_sync   (KmoddClient  *client,
                                                 const char   *name,
                                                 GCancellable *cancellable,
                                                 GError      **error);

G_END_DECLS
