/* kmodd-manager.h: the org.freedesktop.KernelModules1.Manager object.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kmodd-config.h"

G_BEGIN_DECLS

#define KMODD_TYPE_MANAGER (kmodd_manager_get_type ())
G_DECLARE_FINAL_TYPE (KmoddManager, kmodd_manager, KMODD, MANAGER, GObject)

KmoddManager *kmodd_manager_new (const KmoddConfig *config,
                                 GError           **error);

gboolean kmodd_manager_export (KmoddManager    *manager,
                               GDBusConnection *connection,
                               GError         **error);

void kmodd_manager_shutdown (KmoddManager *manager);

G_END_DECLS
