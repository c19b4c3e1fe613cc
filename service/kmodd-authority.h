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

/* What a method needs: a row of the table in kmodd-authority.c. */
typedef struct {
  const char *method;
  const char *action;                 /* NULL: no authorization needed */
  const char *action_with_parameters; /* when "parameters" is given; NULL: @action */
} KmoddMethodRule;

const KmoddMethodRule *kmodd_authority_find_rule (const char *method);
const KmoddMethodRule *kmodd_authority_get_rules (gsize *n_rules);

const char *kmodd_method_rule_get_action (const KmoddMethodRule *rule,
                                          gboolean               with_parameters);

/* @uid: the caller's, when already known; else the bus is asked */
#define KMODD_AUTHORITY_UID_UNKNOWN G_MAXUINT32

void kmodd_authority_check_async (KmoddAuthority        *authority,
                                  GDBusMethodInvocation *invocation,
                                  const char            *action_id,
                                  const char            *module,
                                  const char            *modules,
                                  const char            *request,
                                  guint32                uid,
                                  GCancellable          *cancellable,
                                  GAsyncReadyCallback    callback,
                                  gpointer               user_data);

gboolean kmodd_authority_check_finish (KmoddAuthority *authority,
                                       GAsyncResult   *result,
                                       guint32        *out_uid,
                                       GError        **error);

G_END_DECLS
