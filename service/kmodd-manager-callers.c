/* kmodd-manager-callers.c: the manager's callers: one record per bus name
 * with requests in flight, its cancellable (cancelled when it leaves the
 * bus) and its count against KMODD_CALLER_INFLIGHT_MAX; and its user: a
 * request counts against its uid's KMODD_USER_INFLIGHT_MAX from the moment
 * the bus says who sent it (the first thing asked, before polkit) until its
 * work is done, "no-block" included, whatever connection it came on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <malloc.h>

#include "kmodd-error.h"
#include "kmodd-manager-private.h"
#include "kmodd-names.h"
#include "kmodd-records-file.h"
#include "kmodd-validate.h"

/* ---- callers ------------------------------------------------------------- */

void
manager_caller_free (Caller *caller)
{
  if (caller->subscription_id != 0 && caller->manager->connection != NULL)
    g_dbus_connection_signal_unsubscribe (caller->manager->connection,
                                          caller->subscription_id);
  g_clear_object (&caller->cancellable);
  g_free (caller->sender);
  g_free (caller);
}

static void
on_name_owner_changed (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  Caller *caller = user_data;
  const char *name;
  const char *old_owner;
  const char *new_owner;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (!g_str_equal (name, caller->sender) || new_owner[0] != '\0')
    return;

  g_message ("Caller %s disconnected; cancelling its %u request(s)",
             caller->sender, caller->inflight);
  g_cancellable_cancel (caller->cancellable);
}

Caller *
manager_caller_ref (KmoddManager *self,
                    const char   *sender)
{
  Caller *caller = g_hash_table_lookup (self->callers, sender);

  if (caller == NULL)
    {
      caller = g_new0 (Caller, 1);
      caller->manager = self;
      caller->sender = g_strdup (sender);
      caller->uid = NO_UID;
      caller->cancellable = g_cancellable_new ();
      caller->subscription_id =
        g_dbus_connection_signal_subscribe (self->connection,
                                            KMODD_BUS_DRIVER_NAME,
                                            KMODD_BUS_DRIVER_INTERFACE,
                                            "NameOwnerChanged",
                                            KMODD_BUS_DRIVER_PATH,
                                            sender,
                                            G_DBUS_SIGNAL_FLAGS_NONE,
                                            on_name_owner_changed,
                                            caller, NULL);
      g_hash_table_insert (self->callers, caller->sender, caller);
    }
  caller->inflight++;
  self->inflight++;
  return caller;
}

void
manager_caller_unref (KmoddManager *self,
                      Caller       *caller)
{
  g_assert (caller->inflight > 0 && self->inflight > 0);
  self->inflight--;
  if (--caller->inflight == 0)
    g_hash_table_remove (self->callers, caller->sender);
}

/* ---- users ---------------------------------------------------------------- */

void
manager_user_release (KmoddManager *self,
                      Request      *request)
{
  gpointer key = GUINT_TO_POINTER (request->uid);
  guint n;

  if (!request->counted)
    return;
  request->counted = FALSE;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->users, key));
  g_assert (n > 0);
  if (n == 1)
    g_hash_table_remove (self->users, key);
  else
    g_hash_table_insert (self->users, key, GUINT_TO_POINTER (n - 1));
}

/* The request's work is done: it stops counting against its connection
 * and its user now, even though the request itself is freed later (a
 * worker's job is freed when the worker drops its reference, after the
 * reply has gone out). A caller who sends its next request as soon as it
 * has the answer must never find its last one still counted. */
void
manager_request_release (KmoddManager *self,
                         Request      *request)
{
  if (request->caller != NULL)
    manager_caller_unref (self, g_steal_pointer (&request->caller));
  manager_user_release (self, request);
}

/* The caller's uid is known: counts the request against it (root is not
 * counted: its requests have a lane of their own), then authorizes. */
static void
admit_known (KmoddManager *self,
             Request      *request)
{
  gpointer key;
  guint n;

  request->uid = request->caller->uid;
  if (request->uid != 0)
    {
      key = GUINT_TO_POINTER (request->uid);
      n = GPOINTER_TO_UINT (g_hash_table_lookup (self->users, key));
      if (n >= KMODD_USER_INFLIGHT_MAX)
        {
          g_autoptr(GError) error = NULL;

          g_set_error (&error, KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED,
                       "Too many requests in flight for uid %u (at most %d)",
                       request->uid, KMODD_USER_INFLIGHT_MAX);
          kmodd_refusals_log (self->refusals, request->uid, "Refused a request from %s: %s",
                              request->sender, error->message);
          manager_return_error (request->invocation, error);
          manager_request_free (request);
          return;
        }
      g_hash_table_insert (self->users, key, GUINT_TO_POINTER (n + 1));
      request->counted = TRUE;
    }
  manager_authorize (self, request);
}

static void
on_identified (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  Request *request = user_data;
  KmoddManager *self = request->manager;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  if (reply == NULL)
    {
      g_autoptr(GError) denied = NULL;

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        denied = g_error_new (KMODD_ERROR, KMODD_ERROR_NOT_AUTHORIZED,
                              "Not authorized: the caller's credentials are unknown (%s)",
                              error->message);
      if (denied != NULL)
        manager_return_error (request->invocation, denied);
      manager_request_free (request);
      return;
    }
  g_variant_get (reply, "(u)", &request->caller->uid);
  admit_known (self, request);
}

/* Step 3 begins: who is asking (once per connection), then whether that
 * user may have one more request in flight, then polkit. */
void
manager_admit (KmoddManager *self,
               Request      *request)
{
  if (request->caller->uid != NO_UID)
    {
      admit_known (self, request);
      return;
    }
  g_dbus_connection_call (self->connection, KMODD_BUS_DRIVER_NAME, KMODD_BUS_DRIVER_PATH,
                          KMODD_BUS_DRIVER_INTERFACE, "GetConnectionUnixUser",
                          g_variant_new ("(s)", request->sender),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          request->caller->cancellable, on_identified, request);
}
