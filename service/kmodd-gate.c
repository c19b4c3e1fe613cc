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

#include "kmodd-gate.h"
#include "kmodd-validate.h"

/* Returns the rule of @method, called by @sender, or NULL with @error
 * set: the call must then be answered with @error and nothing else done. */
const KmoddMethodRule *
kmodd_gate_admit (const char *method,
                  const char *sender,
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

  return rule;
}
