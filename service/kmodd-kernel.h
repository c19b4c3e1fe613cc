/* kmodd-kernel.h: everything kmodd asks of the kernel, through libkmod.
 *
 * A KmoddKernel wraps one libkmod context and is confined to the thread that
 * uses it: the main thread has one for List and Info and for checking a
 * request before it is authorized, the worker thread has one for the loads
 * and unloads themselves.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "kmodd-proc-modules.h"

G_BEGIN_DECLS

typedef struct _KmoddKernel KmoddKernel;

/* Called just before a module is inserted or removed (@before is TRUE), and
 * after the attempt (@before is FALSE, @success says how it went). The
 * monitor uses it to attribute the kernel's events to requests. */
typedef void (*KmoddKernelHook) (const char *module,
                                 gboolean    insert,
                                 gboolean    before,
                                 gboolean    success,
                                 gpointer    user_data);

KmoddKernel *kmodd_kernel_new (GError **error);
void kmodd_kernel_free (KmoddKernel *kernel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddKernel, kmodd_kernel_free)

const char *kmodd_kernel_get_modules_dir (KmoddKernel *kernel);

gboolean kmodd_kernel_load (KmoddKernel    *kernel,
                            const char     *name,
                            GPtrArray      *parameters,
                            gboolean        dry_run,
                            KmoddKernelHook hook,
                            gpointer        user_data,
                            GStrv          *out_inserted,
                            GError        **error);

/* With @unbind, the devices bound to the drivers of the module named are
 * unbound before it goes; without, such a module is in use. A dry run
 * lists each of those devices (kmodd_device_describe()) before its
 * module. */
GStrv kmodd_kernel_unload (KmoddKernel    *kernel,
                           const char     *name,
                           gboolean        dependencies,
                           gboolean        unbind,
                           gboolean        dry_run,
                           KmoddKernelHook hook,
                           gpointer        user_data,
                           GError        **error);

char *kmodd_kernel_resolve_name (KmoddKernel *kernel,
                                 const char  *name,
                                 GError     **error);

GStrv kmodd_kernel_resolve_all (KmoddKernel *kernel,
                                const char  *name,
                                gboolean     for_unload,
                                GError     **error);

char *kmodd_kernel_resolve_one (KmoddKernel *kernel,
                                const char  *name,
                                GError     **error);

gboolean kmodd_kernel_check_parameters (KmoddKernel *kernel,
                                        const char  *module,
                                        GPtrArray   *parameters,
                                        GError     **error);

GPtrArray *kmodd_kernel_list (KmoddKernel *kernel,
                              GError     **error);

GBytes *kmodd_kernel_read_proc_modules (GError **error);
GPtrArray *kmodd_kernel_parse_proc_modules (GBytes *contents);

const char * const *kmodd_kernel_get_builtin (KmoddKernel *kernel);

/* Returns a full (non-floating) reference: the answer may be shared
 * with the cache. */
GVariant *kmodd_kernel_list_available (KmoddKernel *kernel,
                                       GError     **error);

GVariant *kmodd_kernel_info (KmoddKernel *kernel,
                             const char  *name,
                             GError     **error);

/* Devices()'s answer (aa{sv}): every device with a MODALIAS, or only those
 * without a driver (kmodd-kernel-devlist.c). Returns a full reference:
 * the answer is kept while kmodd_kernel_keep_devices() says so, until
 * kmodd_kernel_devices_changed() or a change of modprobe.d or the indexes. */
GVariant *kmodd_kernel_devices (KmoddKernel *kernel,
                                gboolean     unbound_only,
                                GError     **error);
/* whether something (the monitor) calls kmodd_kernel_devices_changed() */
void kmodd_kernel_keep_devices (KmoddKernel *kernel,
                                gboolean     keep);
void kmodd_kernel_devices_changed (KmoddKernel *kernel);

typedef struct {
  KmoddLoadedState state;
  gint             refcount;  /* -1: permanent, can never be removed */
  guint            n_holders;
  guint            n_devices; /* bound to the module's drivers */
  guint64          instance;  /* tells this load of the module from others */
} KmoddUsage;

gboolean kmodd_kernel_get_usage (KmoddKernel *kernel,
                                 const char  *module,
                                 KmoddUsage  *out_usage);

guint64 kmodd_kernel_get_instance (const char *module);

/* A device bound to a driver of a module (kmodd-kernel-devices.c). */
typedef struct {
  char *bus;        /* "pci" */
  char *name;       /* "0000:00:03.0" */
  char *driver_dir; /* /sys/module/M/drivers/BUS:DRV */
} KmoddDevice;

void kmodd_device_free (KmoddDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddDevice, kmodd_device_free)

guint kmodd_kernel_count_devices (const char *module);
/* KmoddDevice, by bus and name */
GPtrArray *kmodd_kernel_get_devices (const char *module);
/* "pci 0000:00:03.0 (Intel Corporation 82540EM Gigabit Ethernet
 * Controller)": the bus address, and the vendor and model from udev's
 * hardware database, or the ids from sysfs, when known */
char *kmodd_device_describe (const KmoddDevice *device);
/* the descriptions of @devices, joined by ", " */
char *kmodd_devices_describe (GPtrArray *devices);
gboolean kmodd_device_unbind (const KmoddDevice *device,
                              GError           **error);

GStrv kmodd_kernel_get_dependencies (KmoddKernel *kernel,
                                     const char  *module);

gboolean kmodd_kernel_remove_unused (KmoddKernel    *kernel,
                                     const char     *module,
                                     KmoddKernelHook hook,
                                     gpointer        user_data,
                                     GError        **error);

char *kmodd_kernel_release (void);
gboolean kmodd_kernel_modules_disabled (void);
char *kmodd_kernel_lockdown (void);
gboolean kmodd_kernel_signatures_enforced (void);

G_END_DECLS
