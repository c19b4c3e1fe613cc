/* kmodd-module-event.c: ModuleLoaded and ModuleUnloaded, as a boxed type.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-enum-types.h"
#include "kmodd-names.h"
#include "kmodd-private.h"

/**
 * KmoddModuleEvent:
 *
 * A module that entered or left the kernel, as the service announced it
 * with its `ModuleLoaded` or `ModuleUnloaded` signal: the module's name,
 * why it came or went, who asked, and when the client heard of it.
 *
 * Passed to [signal@Kmodd.Client::module-loaded] and
 * [signal@Kmodd.Client::module-unloaded]. Immutable and reference counted.
 */
struct _KmoddModuleEvent {
  gatomicrefcount        ref_count;
  char                  *name;
  KmoddModuleEventKind   kind;
  KmoddModuleEventReason reason;
  gboolean               has_uid;
  guint32                uid;
  GDateTime             *time;
  GVariant              *details;
};

G_DEFINE_BOXED_TYPE (KmoddModuleEvent, kmodd_module_event,
                     kmodd_module_event_ref, kmodd_module_event_unref)

KmoddModuleEvent *
_kmodd_module_event_new (const char          *name,
                         KmoddModuleEventKind kind,
                         GVariant            *details,
                         gint64               time_usec)
{
  KmoddModuleEvent *event = g_new0 (KmoddModuleEvent, 1);
  g_autoptr(GEnumClass) reasons = g_type_class_ref (KMODD_TYPE_MODULE_EVENT_REASON);
  const char *reason = NULL;
  GEnumValue *value = NULL;
  g_autoptr(GDateTime) seconds = NULL;

  g_atomic_ref_count_init (&event->ref_count);
  event->name = g_strdup (name);
  event->kind = kind;
  event->details = g_variant_ref_sink (details);
  seconds = g_date_time_new_from_unix_local (time_usec / G_USEC_PER_SEC);
  event->time = g_date_time_add (seconds, time_usec % G_USEC_PER_SEC);
  if (g_variant_lookup (details, KMODD_DETAIL_REASON, "&s", &reason))
    value = g_enum_get_value_by_nick (reasons, reason);
  event->reason = value ? (KmoddModuleEventReason) value->value
                        : KMODD_MODULE_EVENT_REASON_UNKNOWN;
  event->has_uid = g_variant_lookup (details, KMODD_DETAIL_UID, "u", &event->uid);
  return event;
}

/**
 * kmodd_module_event_ref:
 * @event: an event
 *
 * Takes a reference to @event.
 *
 * Returns: (transfer full): @event
 */
KmoddModuleEvent *
kmodd_module_event_ref (KmoddModuleEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  g_atomic_ref_count_inc (&event->ref_count);
  return event;
}

/**
 * kmodd_module_event_unref:
 * @event: (transfer full): an event
 *
 * Drops a reference to @event, freeing it with the last one.
 */
void
kmodd_module_event_unref (KmoddModuleEvent *event)
{
  g_return_if_fail (event != NULL);
  if (!g_atomic_ref_count_dec (&event->ref_count))
    return;
  g_free (event->name);
  g_date_time_unref (event->time);
  g_variant_unref (event->details);
  g_free (event);
}

/**
 * kmodd_module_event_get_name:
 * @event: an event
 *
 * Gets the name of the module that came or went.
 *
 * Returns: the module's name
 */
const char *
kmodd_module_event_get_name (KmoddModuleEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->name;
}

/**
 * kmodd_module_event_get_kind:
 * @event: an event
 *
 * Gets whether the module was loaded or unloaded.
 *
 * Returns: what happened
 */
KmoddModuleEventKind
kmodd_module_event_get_kind (KmoddModuleEvent *event)
{
  g_return_val_if_fail (event != NULL, KMODD_MODULE_EVENT_KIND_LOADED);
  return event->kind;
}

/**
 * kmodd_module_event_get_reason:
 * @event: an event
 *
 * Gets why the module came or went.
 *
 * Returns: the reason
 */
KmoddModuleEventReason
kmodd_module_event_get_reason (KmoddModuleEvent *event)
{
  g_return_val_if_fail (event != NULL, KMODD_MODULE_EVENT_REASON_UNKNOWN);
  return event->reason;
}

/**
 * kmodd_module_event_has_uid:
 * @event: an event
 *
 * Gets whether the event says who asked for it: it does for
 * %KMODD_MODULE_EVENT_REASON_REQUEST.
 *
 * Returns: %TRUE if [method@Kmodd.ModuleEvent.get_uid] has a value
 */
gboolean
kmodd_module_event_has_uid (KmoddModuleEvent *event)
{
  g_return_val_if_fail (event != NULL, FALSE);
  return event->has_uid;
}

/**
 * kmodd_module_event_get_uid:
 * @event: an event
 *
 * Gets the uid of the caller that asked the service to load or unload the
 * module. Only meaningful if [method@Kmodd.ModuleEvent.has_uid] is %TRUE.
 *
 * Returns: the caller's uid, or 0
 */
guint32
kmodd_module_event_get_uid (KmoddModuleEvent *event)
{
  g_return_val_if_fail (event != NULL, 0);
  return event->uid;
}

/**
 * kmodd_module_event_get_time:
 * @event: an event
 *
 * Gets when the client received the event (local time).
 *
 * Returns: (transfer none): the time
 */
GDateTime *
kmodd_module_event_get_time (KmoddModuleEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->time;
}

/**
 * kmodd_module_event_get_details:
 * @event: an event
 *
 * Gets the signal's details as they came: an `a{sv}` dictionary with
 * `reason` (s) and, for requests, `uid` (u).
 *
 * Returns: (transfer none): the details
 */
GVariant *
kmodd_module_event_get_details (KmoddModuleEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->details;
}
