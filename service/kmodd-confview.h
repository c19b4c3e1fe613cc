/* kmodd-confview.h: a module's effective configuration (GetConfiguration)
 * and its parameters in /sys/module.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "kmodd-conffile.h"
#include "kmodd-kernel.h"

G_BEGIN_DECLS

gboolean kmodd_conf_entry_is_load (const KmoddConfEntry *entry);
gboolean kmodd_conf_entry_is_block (const KmoddConfEntry *entry);
gboolean kmodd_conf_entry_is_options (const KmoddConfEntry *entry);

/* The running kernel's initramfs in /boot, or NULL */
char *kmodd_confview_find_initramfs (void);

/* GetConfiguration's a{sv}; @root: whether the caller may see what only
 * root may read; @initramfs: kmodd_confview_find_initramfs(), and the
 * modules it holds (kmodd-initramfs.h) or NULL when that is unknown */
GVariant *kmodd_confview_describe (KmoddKernel *kernel,
                                   const char  *module,
                                   gboolean     root,
                                   const char  *initramfs,
                                   GHashTable  *initramfs_contents);

/* "now": whether the kernel lets each of @parameters of the loaded @module
 * change at run time (an error naming the others); then writing them,
 * returning what was written as a{ss}. */
gboolean kmodd_confview_check_runtime (KmoddKernel *kernel,
                                       const char  *module,
                                       GPtrArray   *parameters,
                                       GError     **error);
GVariant *kmodd_confview_write_runtime (const char *module,
                                        GPtrArray  *parameters,
                                        GError    **error);

G_END_DECLS
