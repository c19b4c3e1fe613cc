/* kmodd-authority.h: who may do what. The one place that talks to polkit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _KmoddAuthority KmoddAuthority;

KmoddAuthority *kmodd_authority_new (guint timeout_s);
void kmodd_authority_free (KmoddAuthority *authority);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddAuthority, kmodd_authority_free)

gboolean kmodd_authority_lookup_action (const char  *method,
                                        gboolean     with_parameters,
                                        const char **out_action);

void kmodd_authority_check_async (KmoddAuthority        *authority,
                                  GDBusMethodInvocation *invocation,
                                  const char            *action_id,
                                  const char            *module,
                                  const char            *request,
                                  GCancellable          *cancellable,
                                  GAsyncReadyCallback    callback,
                                  gpointer               user_data);

gboolean kmodd_authority_check_finish (KmoddAuthority *authority,
                                       GAsyncResult   *result,
                                       guint32        *out_uid,
                                       GError        **error);

G_END_DECLS
