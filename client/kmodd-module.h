/* kmodd-module.h: one loaded (or builtin) module, as the service lists it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "kmodd-enums.h"

G_BEGIN_DECLS

#define KMODD_TYPE_MODULE (kmodd_module_get_type ())
G_DECLARE_FINAL_TYPE (KmoddModule, kmodd_module, KMODD, MODULE, GObject)

const char         *kmodd_module_get_name (KmoddModule *module);
KmoddModuleState    kmodd_module_get_state         (KmoddModule *module);
guint64             kmodd_module_get_size          (KmoddModule *module);
int                 kmodd_module_get_refcount      (KmoddModule *module);
const char * const *kmodd_module_get_holders       (KmoddModule *module);
const char         *kmodd_module_get_taint         (KmoddModule *module);
gboolean            kmodd_module_get_autoclean     (KmoddModule *module);
gboolean            kmodd_module_get_visited       (KmoddModule *module);
gboolean            kmodd_module_has_requested_by  (KmoddModule *module);
guint32             kmodd_module_get_requested_by  (KmoddModule *module);
GDateTime          *kmodd_module_get_loaded_at     (KmoddModule *module);
guint               kmodd_module_get_devices       (KmoddModule *module);

G_END_DECLS
