/* kmodd-module-event.h: a module that came or went.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "kmodd-enums.h"

G_BEGIN_DECLS

#define KMODD_TYPE_MODULE_EVENT (kmodd_module_event_get_type ())

typedef struct _KmoddModuleEvent KmoddModuleEvent;

GType                  kmodd_module_event_get_type    (void) G_GNUC_CONST;
KmoddModuleEvent      *kmodd_module_event_ref         (KmoddModuleEvent *event);
void                   kmodd_module_event_unref       (KmoddModuleEvent *event);
const char            *kmodd_module_event_get_name    (KmoddModuleEvent *event);
KmoddModuleEventKind   kmodd_module_event_get_kind    (KmoddModuleEvent *event);
KmoddModuleEventReason kmodd_module_event_get_reason  (KmoddModuleEvent *event);
gboolean               kmodd_module_event_has_uid     (KmoddModuleEvent *event);
guint32                kmodd_module_event_get_uid     (KmoddModuleEvent *event);
GDateTime             *kmodd_module_event_get_time    (KmoddModuleEvent *event);
GVariant              *kmodd_module_event_get_details (KmoddModuleEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddModuleEvent, kmodd_module_event_unref)

G_END_DECLS
