/* kmodd-authority.c: who may do what. The one place that talks to polkit.
 *
 * Deny by default: a method is only callable if the table below names it,
 * with the polkit action it needs or none. The subject is always the
 * caller's unique bus name; polkitd resolves it to a process and a user
 * itself, so nothing the caller says about itself is believed.
 *
 * Callers with uid 0 (udev rules, scripts run as root) are allowed without
 * asking polkit, so that they work when polkitd is not running. Everyone
 * else is denied when polkit cannot be asked, does not answer within the
 * configured time, or when the caller disconnects during the check.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <polkit/polkit.h>

#include "kmodd-authority.h"
#include "kmodd-error.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

struct _KmoddAuthority {
  PolkitAuthority *polkit;
  guint            timeout_s;
};

/* One row per method of the interface, and no method without a row: the
 * gate (kmodd-gate.c) refuses any call whose method has none, and a unit
 * test fails for a method of the interface XML that has none. A method
 * that changes something names its polkit action; NULL means it needs no
 * authorization. */
static const KmoddMethodRule method_rules[] = {
  { "Load", KMODD_ACTION_LOAD, KMODD_ACTION_LOAD_WITH_PARAMETERS },
  { "Unload", KMODD_ACTION_UNLOAD, NULL },
  /* a Reload with new "parameters" needs what a Load with them needs */
  { "Reload", KMODD_ACTION_RELOAD, KMODD_ACTION_LOAD_WITH_PARAMETERS },
  { "AutoClean", KMODD_ACTION_AUTOCLEAN, NULL },
  { "List", NULL, NULL },
  { "Info", NULL, NULL },
  { "ListAvailable", NULL, NULL },
  { "Devices", NULL, NULL },
  { "SetBootLoad", KMODD_ACTION_CONFIGURE, NULL },
  { "SetBlocked", KMODD_ACTION_CONFIGURE, NULL },
  { "SetParameters", KMODD_ACTION_CONFIGURE, NULL },
  { "GetConfiguration", NULL, NULL },
};

const KmoddMethodRule *
kmodd_authority_find_rule (const char *method)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (method_rules); i++)
    {
      if (g_str_equal (method_rules[i].method, method))
        return &method_rules[i];
    }
  return NULL;
}

const KmoddMethodRule *
kmodd_authority_get_rules (gsize *n_rules)
{
  *n_rules = G_N_ELEMENTS (method_rules);
  return method_rules;
}

const char *
kmodd_method_rule_get_action (const KmoddMethodRule *rule,
                              gboolean               with_parameters)
{
  if (with_parameters && rule->action_with_parameters != NULL)
    return rule->action_with_parameters;
  return rule->action;
}

KmoddAuthority *
kmodd_authority_new (guint timeout_s)
{
  KmoddAuthority *authority = g_new0 (KmoddAuthority, 1);

  authority->timeout_s = timeout_s;
  return authority;
}

void
kmodd_authority_free (KmoddAuthority *authority)
{
  if (authority == NULL)
    return;
  g_clear_object (&authority->polkit);
  g_free (authority);
}

typedef struct {
  KmoddAuthority *authority;
  char           *sender;
  char           *action;
  char           *module;
  char           *modules;
  char           *request;
  gboolean        interactive;
  guint32         uid;
  GCancellable   *check_cancellable; /* cancelled by the timeout or the caller */
  gulong          cancelled_id;
  GCancellable   *parent;
  guint           timeout_id;
  gboolean        timed_out;
} Check;

static void
check_free (Check *check)
{
  if (check->parent != NULL && check->cancelled_id != 0)
    g_cancellable_disconnect (check->parent, check->cancelled_id);
  g_clear_object (&check->parent);
  g_clear_handle_id (&check->timeout_id, g_source_remove);
  g_clear_object (&check->check_cancellable);
  g_free (check->sender);
  g_free (check->action);
  g_free (check->module);
  g_free (check->modules);
  g_free (check->request);
  g_free (check);
}

static void
deny (GTask      *task,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
deny (GTask      *task,
      const char *format,
      ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);

  g_task_return_new_error (task, KMODD_ERROR, KMODD_ERROR_NOT_AUTHORIZED, "%s", msg);
}

static void
on_parent_cancelled (GCancellable *parent,
                     gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
on_timeout (gpointer user_data)
{
  Check *check = user_data;

  check->timeout_id = 0;
  check->timed_out = TRUE;
  g_cancellable_cancel (check->check_cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_polkit_checked (GObject      *source,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(PolkitAuthorizationResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source),
                                                        res, &error);
  g_clear_handle_id (&check->timeout_id, g_source_remove);

  if (result == NULL)
    {
      if (check->timed_out)
        deny (task, "Not authorized: polkit did not answer within %u seconds",
              check->authority->timeout_s);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        deny (task, "Not authorized: the caller disconnected during the check");
      else
        deny (task, "Not authorized: polkit could not be asked (%s)", error->message);
      return;
    }

  if (polkit_authorization_result_get_is_authorized (result))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (polkit_authorization_result_get_is_challenge (result) && !check->interactive)
    {
      g_task_return_new_error (task, KMODD_ERROR,
                               KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                               "Authentication is required for %s; call again "
                               "allowing interactive authorization",
                               check->action);
      return;
    }

  deny (task, "Not authorized to do this (polkit action %s)", check->action);
}

static void
ask_polkit (GTask *task)
{
  Check *check = g_task_get_task_data (task);
  KmoddAuthority *authority = check->authority;
  g_autoptr(PolkitSubject) subject = polkit_system_bus_name_new (check->sender);
  g_autoptr(PolkitDetails) details = polkit_details_new ();

  if (check->module != NULL)
    polkit_details_insert (details, KMODD_POLKIT_DETAIL_MODULE, check->module);
  if (check->modules != NULL)
    polkit_details_insert (details, KMODD_POLKIT_DETAIL_MODULES, check->modules);
  if (check->request != NULL)
    polkit_details_insert (details, KMODD_POLKIT_DETAIL_REQUEST, check->request);

  check->check_cancellable = g_cancellable_new ();
  if (check->parent != NULL)
    check->cancelled_id = g_cancellable_connect (check->parent,
                                                 G_CALLBACK (on_parent_cancelled),
                                                 g_object_ref (check->check_cancellable),
                                                 g_object_unref);
  check->timeout_id = g_timeout_add_seconds (authority->timeout_s, on_timeout, check);

  polkit_authority_check_authorization (authority->polkit, subject, check->action,
                                        details,
                                        check->interactive
                                          ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                                          : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE,
                                        check->check_cancellable,
                                        on_polkit_checked,
                                        g_object_ref (task));
}

static void
on_polkit_ready (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  KmoddAuthority *authority = check->authority;
  g_autoptr(GError) error = NULL;
  PolkitAuthority *polkit = polkit_authority_get_finish (res, &error);

  if (polkit == NULL)
    {
      deny (task, "Not authorized: polkit is not available (%s)", error->message);
      return;
    }
  if (authority->polkit == NULL)
    authority->polkit = polkit;
  else
    g_object_unref (polkit);

  ask_polkit (task);
}

/* The caller's uid is known: uid 0 passes, polkit is asked about the
 * others. */
static void
check_known_uid (GTask *task_)
{
  g_autoptr(GTask) task = task_;
  Check *check = g_task_get_task_data (task);
  KmoddAuthority *authority = check->authority;

  if (check->action == NULL || check->uid == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (authority->polkit == NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      polkit_authority_get_async (cancellable, on_polkit_ready, g_steal_pointer (&task));
    }
  else
    ask_polkit (task);
}

static void
on_credentials (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) creds = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  if (reply == NULL)
    {
      deny (task, "Not authorized: the caller's credentials are unknown (%s)",
            error->message);
      return;
    }

  g_variant_get (reply, "(@a{sv})", &creds);
  if (!g_variant_lookup (creds, "UnixUserID", "u", &check->uid))
    {
      deny (task, "Not authorized: the bus did not say who the caller is");
      return;
    }
  check_known_uid (g_steal_pointer (&task));
}

void
kmodd_authority_check_async (KmoddAuthority        *authority,
                             GDBusMethodInvocation *invocation,
                             const char            *action_id,
                             const char            *module,
                             const char            *modules,
                             const char            *request,
                             guint32                uid,
                             GCancellable          *cancellable,
                             GAsyncReadyCallback    callback,
                             gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  Check *check = g_new0 (Check, 1);

  g_task_set_source_tag (task, kmodd_authority_check_async);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);

  check->authority = authority;
  check->sender = g_strdup (g_dbus_method_invocation_get_sender (invocation));
  check->action = g_strdup (action_id);
  check->module = g_strdup (module);
  check->modules = g_strdup (modules);
  check->request = g_strdup (request);
  check->interactive = (g_dbus_message_get_flags (message) &
                        G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
  check->parent = cancellable ? g_object_ref (cancellable) : NULL;

  if (uid != KMODD_AUTHORITY_UID_UNKNOWN)
    {
      check->uid = uid;
      check_known_uid (g_steal_pointer (&task));
      return;
    }

  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation),
                          KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH,
                          KMODD_BUS_DRIVER_INTERFACE, "GetConnectionCredentials",
                          g_variant_new ("(s)", check->sender),
                          G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                          on_credentials, g_steal_pointer (&task));
}

gboolean
kmodd_authority_check_finish (KmoddAuthority *authority,
                              GAsyncResult   *result,
                              guint32        *out_uid,
                              GError        **error)
{
  Check *check = g_task_get_task_data (G_TASK (result));

  if (out_uid)
    *out_uid = check->uid;
  return g_task_propagate_boolean (G_TASK (result), error);
}
