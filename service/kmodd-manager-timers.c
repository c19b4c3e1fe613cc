/* kmodd-manager-timers.c: the AutoClean timer (samples and passes, only
 * while there are marks) and the idle exit.
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

/* ---- AutoClean timer and idle exit ---------------------------------------------------- */

static void
queue_timer_pass (KmoddManager *self)
{
  Request *request;

  if (self->pass_queued)
    return;
  self->pass_queued = TRUE;
  request = manager_request_new (self, NULL, METHOD_AUTOCLEAN);
  manager_queue_job (self, request, manager_job_autoclean, NULL);
}

static gboolean
on_autoclean_timer (gpointer user_data)
{
  KmoddManager *self = user_data;
  PassView data = { self->kernel, NULL };
  KmoddKernelView view = { manager_view_get_usage, NULL, NULL, &data };

  self->timer_id = 0;
  switch (kmodd_autoclean_timer_due (&self->timer, g_get_monotonic_time ()))
    {
    case KMODD_AUTOCLEAN_DUE_SAMPLE:
      if (kmodd_autoclean_sample (self->autoclean, &view))
        {
          manager_save_state (self);
          manager_refresh_properties (self);
        }
      break;
    case KMODD_AUTOCLEAN_DUE_PASS:
      queue_timer_pass (self);
      break;
    case KMODD_AUTOCLEAN_DUE_NOTHING:
      break;
    }

  manager_schedule_autoclean (self);
  return G_SOURCE_REMOVE;
}

/* The timer only runs while there are marks: an idle system is not woken. */
void
manager_schedule_autoclean (KmoddManager *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next;
  guint marks;

  if (self->stopping)
    return;

  if (self->config.autoclean_interval == 0)
    {
      manager_update_idle (self);   /* marks may have gone: the idle countdown may start */
      return;
    }

  marks = kmodd_autoclean_count_marks (self->autoclean);
  if (marks == 0)
    {
      g_clear_handle_id (&self->timer_id, g_source_remove);
      self->timer_running = FALSE;
      manager_update_idle (self);
      return;
    }

  if (!self->timer_running)
    {
      kmodd_autoclean_timer_init (&self->timer, self->config.autoclean_interval,
                                  self->config.autoclean_samples, now);
      self->timer_running = TRUE;
    }

  g_clear_handle_id (&self->timer_id, g_source_remove);
  next = kmodd_autoclean_timer_next (&self->timer);
  self->timer_id = g_timeout_add ((guint) MAX ((next - now + 999) / 1000, 1),
                                  on_autoclean_timer, self);
  manager_update_idle (self);
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  KmoddManager *self = user_data;

  self->idle_id = 0;
  g_message ("Idle for %u seconds with nothing marked for AutoClean; exiting",
             self->config.idle_timeout);
  manager_emit_idle (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_trim (gpointer user_data)
{
  KmoddManager *self = user_data;

  if (g_get_monotonic_time () - self->last_call < 2 * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;   /* still busy: look again later */

  self->trim_id = 0;
  /* give what a burst of calls left in malloc's free lists back to the
   * system: a daemon that sits idle for days should not keep its peak */
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

/* Restarts the idle countdown when there is nothing to do, stops it when
 * there is: the daemon must not exit while it holds marks. */
void
manager_update_idle (KmoddManager *self)
{
  gboolean idle;

  if (self->worker == NULL || self->stopping)
    return;

  self->last_call = g_get_monotonic_time ();
  if (self->trim_id == 0)
    self->trim_id = g_timeout_add_seconds (2, on_trim, self);

  if (self->config.idle_timeout == 0)
    return;

  g_clear_handle_id (&self->idle_id, g_source_remove);
  /* Requests are counted by the manager itself, from their arrival until
   * they are freed on the main thread: the worker's own count may lag
   * behind the reply, and nothing would restart the countdown after it. */
  idle = self->requests == 0 &&
         (self->configurator == NULL || kmodd_configurator_get_pending (self->configurator) == 0) &&
         kmodd_autoclean_count_marks (self->autoclean) == 0;
  if (idle)
    self->idle_id = g_timeout_add_seconds (self->config.idle_timeout, on_idle_timeout, self);
}
