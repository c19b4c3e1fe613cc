/* kmodd-worker.c: the one thread that changes the kernel.
 *
 * Loads, unloads and AutoClean passes run here, one at a time and in the
 * order they were queued, so that the main loop stays free for List, Info,
 * polkit answers and udev events while a slow module initialises. A job
 * whose caller went away while it waited is dropped without running.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-error.h"
#include "kmodd-worker.h"

typedef struct {
  GTask       *task;
  KmoddJobFunc func;
} Job;

struct _KmoddWorker {
  GThread     *thread;
  GAsyncQueue *queue;
  guint        max_queued;
  gint         pending; /* atomic: queued or running */
};

static Job stop_job; /* pushed to end the thread */

static gboolean
unref_task (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_thread (gpointer data)
{
  KmoddWorker *worker = data;
  g_autoptr(KmoddKernel) kernel = NULL;
  g_autoptr(GError) error = NULL;

  kernel = kmodd_kernel_new (&error);
  if (kernel == NULL)
    g_warning ("The worker has no libkmod context: %s", error->message);

  for (;;)
    {
      Job *job = g_async_queue_pop (worker->queue);

      if (job == &stop_job)
        break;

      if (g_task_return_error_if_cancelled (job->task))
        g_debug ("Dropping a request whose caller went away");
      else if (kernel == NULL)
        g_task_return_new_error (job->task, KMODD_ERROR, KMODD_ERROR_FAILED,
                                 "The service has no libkmod context");
      else
        job->func (kernel, job->task);

      /* The task's data (the request) belongs to the thread that made the
       * task: the last reference must not be dropped here, where it
       * would be freed on this thread, unseen by the main loop. */
      g_main_context_invoke (g_task_get_context (job->task), unref_task, job->task);
      g_free (job);
      g_atomic_int_dec_and_test (&worker->pending);
    }

  return NULL;
}

KmoddWorker *
kmodd_worker_new (guint max_queued)
{
  KmoddWorker *worker = g_new0 (KmoddWorker, 1);

  worker->max_queued = max_queued;
  worker->queue = g_async_queue_new ();
  worker->thread = g_thread_new ("kmodd-worker", worker_thread, worker);
  return worker;
}

/* Answers every job still queued with KMODD_ERROR_STOPPING, at once; the
 * one running is not touched. Returns how many there were. */
guint
kmodd_worker_cancel_queued (KmoddWorker *worker)
{
  Job *job;
  guint n = 0;

  g_async_queue_lock (worker->queue);
  while ((job = g_async_queue_try_pop_unlocked (worker->queue)) != NULL)
    {
      if (job == &stop_job)
        {
          g_async_queue_push_front_unlocked (worker->queue, job);
          break;
        }
      g_task_return_new_error (job->task, KMODD_ERROR, KMODD_ERROR_STOPPING,
                               "The service is stopping; the request was not done");
      g_object_unref (job->task);
      g_free (job);
      g_atomic_int_dec_and_test (&worker->pending);
      n++;
    }
  g_async_queue_unlock (worker->queue);
  return n;
}

void
kmodd_worker_free (KmoddWorker *worker)
{
  if (worker == NULL)
    return;

  /* Jobs still queued are answered; the one running finishes first. */
  kmodd_worker_cancel_queued (worker);
  g_async_queue_push (worker->queue, &stop_job);

  g_thread_join (worker->thread);
  g_async_queue_unref (worker->queue);
  g_free (worker);
}

gboolean
kmodd_worker_push (KmoddWorker *worker,
                   GTask       *task,
                   KmoddJobFunc func,
                   GError     **error)
{
  Job *job;

  if ((guint) g_atomic_int_get (&worker->pending) >= worker->max_queued)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED,
                   "Too many requests are waiting (%u); try again later",
                   worker->max_queued);
      return FALSE;
    }

  job = g_new0 (Job, 1);
  job->task = g_object_ref (task);
  job->func = func;
  g_atomic_int_inc (&worker->pending);
  g_async_queue_push (worker->queue, job);
  return TRUE;
}

guint
kmodd_worker_get_pending (KmoddWorker *worker)
{
  return (guint) g_atomic_int_get (&worker->pending);
}
