/* kmodd-client.h: a client of the kernel module service.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kmodd-device.h"
#include "kmodd-enums.h"
#include "kmodd-module-info.h"
#include "kmodd-module.h"

G_BEGIN_DECLS

#define KMODD_TYPE_CLIENT (kmodd_client_get_type ())
G_DECLARE_FINAL_TYPE (KmoddClient, kmodd_client, KMODD, CLIENT, GObject)

/* construction */
void             kmodd_client_new                     (GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
KmoddClient     *kmodd_client_new_finish              (GAsyncResult *result,
                                                       GError      **error);
KmoddClient     *kmodd_client_new_sync                (GCancellable *cancellable,
                                                       GError      **error);
void             kmodd_client_new_for_connection      (GDBusConnection    *connection,
                                                       KmoddClientFlags    flags,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
KmoddClient     *kmodd_client_new_for_connection_finish (GAsyncResult *result,
                                                         GError      **error);
KmoddClient     *kmodd_client_new_for_connection_sync (GDBusConnection *connection,
                                                       KmoddClientFlags flags,
                                                       GCancellable    *cancellable,
                                                       GError         **error);
void             kmodd_client_new_for_host            (const char         *host,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
KmoddClient     *kmodd_client_new_for_host_finish     (GAsyncResult *result,
                                                       GError      **error);
KmoddClient     *kmodd_client_new_for_host_sync       (const char   *host,
                                                       GCancellable *cancellable,
                                                       GError      **error);

/* properties */
GDBusConnection *kmodd_client_get_connection          (KmoddClient *client);
KmoddClientFlags kmodd_client_get_flags               (KmoddClient *client);
const char      *kmodd_client_get_host                (KmoddClient *client);
guint            kmodd_client_get_connect_timeout     (KmoddClient *client);
gboolean         kmodd_client_get_allow_interactive_authorization (KmoddClient *client);
void             kmodd_client_set_allow_interactive_authorization (KmoddClient *client,
                                                                   gboolean     allow);
gboolean         kmodd_client_get_service_running     (KmoddClient *client);
const char      *kmodd_client_get_version             (KmoddClient *client);
const char      *kmodd_client_get_kernel_release      (KmoddClient *client);
gboolean         kmodd_client_get_modules_disabled    (KmoddClient *client);
const char      *kmodd_client_get_lockdown            (KmoddClient *client);
gboolean         kmodd_client_get_signatures_enforced (KmoddClient *client);
guint            kmodd_client_get_autoclean_interval  (KmoddClient *client);
guint            kmodd_client_get_autoclean_marks     (KmoddClient *client);

/* Load */
void             kmodd_client_load_async              (KmoddClient        *client,
                                                       const char         *name,
                                                       const char         *parameters,
                                                       KmoddLoadFlags      flags,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GStrv            kmodd_client_load_finish             (KmoddClient  *client,
                                                       GAsyncResult *result,
                                                       GError      **error);
GStrv            kmodd_client_load_sync               (KmoddClient   *client,
                                                       const char    *name,
                                                       const char    *parameters,
                                                       KmoddLoadFlags flags,
                                                       GCancellable  *cancellable,
                                                       GError       **error);
/* Unload */
void             kmodd_client_unload_async            (KmoddClient        *client,
                                                       const char         *name,
                                                       KmoddUnloadFlags    flags,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GStrv            kmodd_client_unload_finish           (KmoddClient  *client,
                                                       GAsyncResult *result,
                                                       GError      **error);
GStrv            kmodd_client_unload_sync             (KmoddClient     *client,
                                                       const char      *name,
                                                       KmoddUnloadFlags flags,
                                                       GCancellable    *cancellable,
                                                       GError         **error);
/* Reload */
void             kmodd_client_reload_async            (KmoddClient        *client,
                                                       const char         *name,
                                                       const char         *parameters,
                                                       KmoddReloadFlags    flags,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GStrv            kmodd_client_reload_finish           (KmoddClient  *client,
                                                       GAsyncResult *result,
                                                       GError      **error);
GStrv            kmodd_client_reload_sync             (KmoddClient     *client,
                                                       const char      *name,
                                                       const char      *parameters,
                                                       KmoddReloadFlags flags,
                                                       GCancellable    *cancellable,
                                                       GError         **error);

/* List */
void             kmodd_client_list_async              (KmoddClient        *client,
                                                       KmoddListFlags      flags,
                                                       const char * const *names,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GPtrArray       *kmodd_client_list_finish             (KmoddClient  *client,
                                                       GAsyncResult *result,
                                                       GError      **error);
GPtrArray       *kmodd_client_list_sync               (KmoddClient        *client,
                                                       KmoddListFlags      flags,
                                                       const char * const *names,
                                                       GCancellable       *cancellable,
                                                       GError            **error);

/* Info */
void             kmodd_client_info_async              (KmoddClient        *client,
                                                       const char         *name,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
KmoddModuleInfo *kmodd_client_info_finish             (KmoddClient  *client,
                                                       GAsyncResult *result,
                                                       GError      **error);
KmoddModuleInfo *kmodd_client_info_sync               (KmoddClient  *client,
                                                       const char   *name,
                                                       GCancellable *cancellable,
                                                       GError      **error);

/* Devices */
void             kmodd_client_devices_async           (KmoddClient        *client,
                                                       KmoddDevicesFlags   flags,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GPtrArray       *kmodd_client_devices_finish          (KmoddClient  *client,
                                                       GAsyncResult *result,
                                                       GError      **error);
GPtrArray       *kmodd_client_devices_sync            (KmoddClient      *client,
                                                       KmoddDevicesFlags flags,
                                                       GCancellable     *cancellable,
                                                       GError          **error);

/* AutoClean */
void             kmodd_client_autoclean_async         (KmoddClient        *client,
                                                       KmoddAutoCleanFlags flags,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GStrv            kmodd_client_autoclean_finish        (KmoddClient  *client,
                                                       GAsyncResult *result,
                                                       GError      **error);
GStrv            kmodd_client_autoclean_sync          (KmoddClient        *client,
                                                       KmoddAutoCleanFlags flags,
                                                       GCancellable       *cancellable,
                                                       GError            **error);

G_END_DECLS
