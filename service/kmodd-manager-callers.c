/* kmodd-manager-callers.c: the manager's callers: one record per bus name
 * with requests in flight, its cancellable (cancelled when it leaves the
 * bus) and its count against KMODD_CALLER_INFLIGHT_MAX.
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
