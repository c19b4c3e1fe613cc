/* kmodd-manager-devices.c: Devices, and DevicesChanged. Devices' answer
 * is made by kmodd-kernel-devlist.c, which keeps it until the monitor
 * says a device changed: the handler here tells it, then the signal goes
 * out, so that a client that reads Devices again on DevicesChanged gets
 * the new state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-error.h"
#include "kmodd-manager-private.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

gboolean
manager_handle_devices (KmoddDBusManager      *skeleton,
                        GDBusMethodInvocation *invocation,
                        GVariant              *options,
                        KmoddManager          *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) devices = NULL;
  gboolean unbound = FALSE;

  manager_log_debug_call (invocation, NULL, options);
  if (!kmodd_options_check (options, kmodd_devices_options, &error))
    {
      manager_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_lookup (options, KMODD_OPTION_UNBOUND, "b", &unbound);

  devices = kmodd_kernel_devices (self->kernel, unbound, &error);
  if (devices == NULL)
    manager_return_error (invocation, error);
  else
    kmodd_dbus_manager_complete_devices (skeleton, invocation, devices);

  manager_update_idle (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* How many devices @module's drivers serve: one opendir() of
 * /sys/module/M/drivers (which most modules lack), kept while the monitor
 * runs until a device event (a bind or unbind changes it; a module's
 * removal unbinds its devices, and a module loaded again binds with an
 * event too). List asks it of every module it lists. */
guint
manager_count_devices (KmoddManager *self,
                       const char   *module)
{
  gpointer value;
  guint n;

  if (self->devices_followed &&
      g_hash_table_lookup_extended (self->device_counts, module, NULL, &value))
    return GPOINTER_TO_UINT (value);
  n = kmodd_kernel_count_devices (module);
  if (self->devices_followed)
    g_hash_table_insert (self->device_counts, g_strdup (module), GUINT_TO_POINTER (n));
  return n;
}

void
manager_on_device_changed (KmoddMonitor *monitor,
                           const char   *syspath,
                           const char   *action,
                           const char   *subsystem,
                           const char   *modalias,
                           const char   *driver,
                           KmoddManager *self)
{
  static const char * const signalled[] = {
    KMODD_DEVICE_ACTION_ADD, KMODD_DEVICE_ACTION_REMOVE,
    KMODD_DEVICE_ACTION_BIND, KMODD_DEVICE_ACTION_UNBIND, NULL,
  };
  g_auto(GVariantDict) details = G_VARIANT_DICT_INIT (NULL);

  /* first: a client reading Devices (or List's "devices") on the signal
   * must see the change */
  kmodd_kernel_devices_changed (self->kernel);
  g_clear_pointer (&self->list_reply, g_variant_unref);
  g_clear_pointer (&self->list_contents, g_bytes_unref);
  g_hash_table_remove_all (self->device_counts);
  if (!g_strv_contains (signalled, action) || self->skeleton == NULL)
    return;

  g_variant_dict_insert (&details, KMODD_DEVICE_SUBSYSTEM, "s", subsystem);
  g_variant_dict_insert (&details, KMODD_DEVICE_MODALIAS, "s", modalias);
  if (driver != NULL)
    g_variant_dict_insert (&details, KMODD_DEVICE_DRIVER, "s", driver);
  kmodd_dbus_manager_emit_devices_changed (self->skeleton, syspath, action,
                                           g_variant_dict_end (&details));
}
