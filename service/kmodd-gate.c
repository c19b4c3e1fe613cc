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

/* ---- refusal logs ----------------------------------------------------------- */

/* Refusals are logged at most KMODD_REFUSALS_BURST times per uid in a
 * window of KMODD_REFUSALS_WINDOW_S seconds; the rest are counted, and one
 * summary line says how many went unlogged when the window ends. A flood
 * of refusals thus cannot push the lines of real loads and unloads (never
 * limited) out of journald's rate limit. */
#define KMODD_REFUSALS_BURST    5
#define KMODD_REFUSALS_WINDOW_S 5

typedef struct {
  KmoddRefusals *refusals;
  guint32        uid;
  guint          logged;
  guint          suppressed;
  guint          timeout_id;
} Window;

struct _KmoddRefusals {
  GHashTable *windows; /* uid -> Window */
};

static void
window_summary (Window *window)
{
  if (window->suppressed > 0)
    g_message ("%u more refusals for uid %u suppressed", window->suppressed, window->uid);
  window->suppressed = 0;
}

static void
window_free (Window *window)
{
  window_summary (window);
  g_clear_handle_id (&window->timeout_id, g_source_remove);
  g_free (window);
}

static gboolean
on_window_end (gpointer user_data)
{
  Window *window = user_data;

  window->timeout_id = 0;
  g_hash_table_remove (window->refusals->windows, GUINT_TO_POINTER (window->uid));
  return G_SOURCE_REMOVE;
}

KmoddRefusals *
kmodd_refusals_new (void)
{
  KmoddRefusals *refusals = g_new0 (KmoddRefusals, 1);

  refusals->windows = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) window_free);
  return refusals;
}

/* Logs the summaries still due. */
void
kmodd_refusals_free (KmoddRefusals *refusals)
{
  if (refusals == NULL)
    return;
  g_hash_table_unref (refusals->windows);
  g_free (refusals);
}

void
kmodd_refusals_log (KmoddRefusals *refusals,
                    guint32        uid,
                    const char    *format,
                    ...)
{
  Window *window = g_hash_table_lookup (refusals->windows, GUINT_TO_POINTER (uid));
  g_autofree char *message = NULL;
  va_list args;

  if (window == NULL)
    {
      window = g_new0 (Window, 1);
      window->refusals = refusals;
      window->uid = uid;
      window->timeout_id = g_timeout_add_seconds (KMODD_REFUSALS_WINDOW_S, on_window_end, window);
      g_hash_table_insert (refusals->windows, GUINT_TO_POINTER (uid), window);
    }

  if (window->logged >= KMODD_REFUSALS_BURST)
    {
      window->suppressed++;
      return;
    }
  window->logged++;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_message ("%s", message);
}
