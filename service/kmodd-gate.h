/* kmodd-gate.h: the one door every method call goes through.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kmodd-authority.h"

G_BEGIN_DECLS

const KmoddMethodRule *kmodd_gate_admit (const char *method,
                                         const char *sender,
                                         GVariant   *arguments,
                                         GError    **error);

void kmodd_gate_return_error (GDBusMethodInvocation *invocation,
                              const GError          *error);

typedef struct _KmoddRefusals KmoddRefusals;

KmoddRefusals *kmodd_refusals_new (void);
void kmodd_refusals_free (KmoddRefusals *refusals);
void kmodd_refusals_log (KmoddRefusals *refusals,
                         guint32        uid,
                         const char    *format,
                         ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
