/* kmodctl-output.h: what kmodctl prints, for people and as JSON.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <kmodd.h>

G_BEGIN_DECLS

void kmodctl_print_modules (GPtrArray *modules,
                            gboolean   json);
void kmodctl_print_devices (GPtrArray *devices,
                            gboolean   json);
void kmodctl_print_info    (KmoddModuleInfo *info,
                            gboolean         json);
void kmodctl_print_status  (KmoddClient *client,
                            gboolean     json);
void kmodctl_print_event   (KmoddModuleEvent *event,
                            gboolean          json);
void kmodctl_print_names   (const char         *verb,
                            const char * const *names);

G_END_DECLS
