/* kmodd-gate.c: the one door every method call goes through.
 *
 * The Manager skeleton's method dispatch calls kmodd_gate_admit() before
 * any handler runs (kmodd-manager.c wraps the generated vtable's
 * method_call, which is what GDBusInterfaceSkeleton calls for every
 * message). A method is admitted only if the table in kmodd-authority.c
 * has a row for it; a method without one is refused with AccessDenied and
 * logged as a bug, so that a method added to the interface XML is closed
 * until someone says who may call it.
 *
 * Then every bound of kmodd-limits.h is checked on the arguments, so
 * that nothing a caller sends is worked on (hashed, resolved, sent to
 * polkit) before it is known to be small.
 *
 * kmodd_gate_return_error() is the other side of the door: every error
 * that leaves the service goes through it, and one that is neither
 * kmodd's (org.freedesktop.KernelModules1.Error.*) nor a standard D-Bus
 * error is logged as a bug and sent as Failed, never as GDBus's
 * "UnmappedGError" name.
 *
 * Why not the skeleton's ::g-authorize-method signal: with a handler
 * connected, GDBus runs every call's authorization in a thread of the
 * GTask pool and hops back to the main context to run the handler. Under
 * a flood that is an unbounded queue of threads' work, and two calls of
 * one connection may be handled out of order. Wrapping method_call gives
 * the same single point, on the main thread, in order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "kmodd"

#include "config.h"

#include "kmodd-error.h"
#include "kmodd-gate.h"
#include "kmodd-limits.h"
#include "kmodd-validate.h"

/* Returns the rule of @method, called by @sender, or NULL with @error
 * set: the call must then be answered with @error and nothing else done. */
const KmoddMethodRule *
kmodd_gate_admit (const char *method,
                  const char *sender,
                  GVariant   *arguments,
                  GError    **error)
{
  const KmoddMethodRule *rule = kmodd_authority_find_rule (method);

  if (rule == NULL)
    {
      g_autofree char *escaped = kmodd_escape (method);

      /* a warning, not a critical: a bug of ours must not let a caller
       * stop the service (G_DEBUG=fatal-criticals in the tests) */
      g_warning ("BUG: method %s has no row in the authorization table; "
                 "refusing it (caller %s)",
                 escaped, sender);
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   "Method %s is not available: nobody may call it", escaped);
      return NULL;
    }

  if (arguments != NULL && !kmodd_limits_check (arguments, error))
    return NULL;

  return rule;
}

/* The error boundary: answers @invocation with @error if it is kmodd's or
 * a standard D-Bus error, and with Failed otherwise (logged as a bug). */
void
kmodd_gate_return_error (GDBusMethodInvocation *invocation,
                         const GError          *error)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  g_autofree char *escaped = kmodd_escape (error->message);

  g_debug ("%s() from %s failed: %s", method,
           g_dbus_method_invocation_get_sender (invocation), escaped);

  if (error->domain == KMODD_ERROR || error->domain == G_DBUS_ERROR)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }

  g_warning ("BUG: %s() answered with an error of domain %s (code %d), not "
             "converted to kmodd's; sent as Failed: %s",
             method, g_quark_to_string (error->domain), error->code, escaped);
  g_dbus_method_invocation_return_error_literal (invocation, KMODD_ERROR,
                                                 KMODD_ERROR_FAILED, error->message);
}
