/* kmodd-error.c: the error domain, registered with GDBus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "kmodd-error.h"
#include "kmodd-names.h"

static const GDBusErrorEntry kmodd_error_entries[] = {
  { KMODD_ERROR_FAILED, KMODD_DBUS_ERROR_PREFIX "Failed" },
  { KMODD_ERROR_INVALID_NAME, KMODD_DBUS_ERROR_PREFIX "InvalidName" },
  { KMODD_ERROR_NOT_FOUND, KMODD_DBUS_ERROR_PREFIX "NotFound" },
  { KMODD_ERROR_BLACKLISTED, KMODD_DBUS_ERROR_PREFIX "Blacklisted" },
  { KMODD_ERROR_INVALID_PARAMETERS, KMODD_DBUS_ERROR_PREFIX "InvalidParameters" },
  { KMODD_ERROR_IN_USE, KMODD_DBUS_ERROR_PREFIX "InUse" },
  { KMODD_ERROR_BUILTIN, KMODD_DBUS_ERROR_PREFIX "Builtin" },
  { KMODD_ERROR_NOT_LOADED, KMODD_DBUS_ERROR_PREFIX "NotLoaded" },
  { KMODD_ERROR_MODULES_DISABLED, KMODD_DBUS_ERROR_PREFIX "ModulesDisabled" },
  { KMODD_ERROR_SIGNATURE_REJECTED, KMODD_DBUS_ERROR_PREFIX "SignatureRejected" },
  { KMODD_ERROR_NOT_AUTHORIZED, KMODD_DBUS_ERROR_PREFIX "NotAuthorized" },
  { KMODD_ERROR_LIMITS_EXCEEDED, KMODD_DBUS_ERROR_PREFIX "LimitsExceeded" },
  { KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
    KMODD_DBUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED },
  { KMODD_ERROR_STOPPING, KMODD_DBUS_ERROR_PREFIX "Stopping" },
  { KMODD_ERROR_CONFIGURED_ELSEWHERE, KMODD_DBUS_ERROR_PREFIX "ConfiguredElsewhere" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (kmodd_error_entries) ==
                 KMODD_ERROR_CONFIGURED_ELSEWHERE + 1);

GQuark
kmodd_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("kmodd-error-quark",
                                      &quark,
                                      kmodd_error_entries,
                                      G_N_ELEMENTS (kmodd_error_entries));
  return (GQuark) quark;
}
