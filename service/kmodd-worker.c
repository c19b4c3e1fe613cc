/* kmodd-worker.c: the threads that change the kernel.
 *
 * Loads, unloads and AutoClean passes run here, so that the main loop
 * stays free for List, Info, polkit answers and udev events while a slow
 * module initialises. Each thread has its own libkmod context; threads
 * are started as work needs them, up to the worker's maximum.
 *
 * Every job names the modules it may touch (its keys: the modules a
 * request resolves to and their dependencies; NULL for "any"). A job
 * starts when a thread is free and no running job shares a key with it,
 * and never before an earlier job of its lane that shares one: requests
 * touching the same modules run one at a time, in the order they came,
 * while a slow module's init does not hold up loads of unrelated ones.
 *
 * There are two lanes. The root lane (uid 0, udev, and the AutoClean
 * timer) is served first and has a queue of its own, so that others
 * filling theirs never refuse it; the user lane may occupy all threads
 * but one, so that a root request never waits for a free thread behind
 * other users' slow work, and a user job never starts before a queued
 * root job it shares a key with.
 *
 * A job whose caller went away while it waited is dropped without
 * running.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-error.h"
#include "kmodd-worker.h"

typedef struct {
  GTask          *task;
  KmoddJobFunc    func;
  KmoddWorkerLane lane;
  GStrv           keys; /* NULL: any module */
} Job;

struct _KmoddWorker {
  GMutex     lock;
  GCond      cond;
  GQueue     queued[KMODD_WORKER_N_LANES];
  GPtrArray *running;                      /* of Job */
  guint      pending[KMODD_WORKER_N_LANES]; /* queued or running */
  GPtrArray *threads;
  guint      n_waiting;                    /* threads with nothing to start */
  guint      max_threads;
  guint      max_queued;                   /* per lane */
  gboolean   stopping;
};

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_strfreev (job->keys);
  g_free (job);
}

static gboolean
unref_task (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static gboolean
jobs_meet (const Job *a,
           const Job *b)
{
  guint i;

  if (a->keys == NULL || b->keys == NULL)
    return TRUE;
  for (i = 0; a->keys[i] != NULL; i++)
    if (g_strv_contains ((const char * const *) b->keys, a->keys[i]))
      return TRUE;
  return FALSE;
}

static gboolean
meets_any_running (KmoddWorker *worker,
                   const Job   *job)
{
  guint i;

  for (i = 0; i < worker->running->len; i++)
    if (jobs_meet (job, g_ptr_array_index (worker->running, i)))
      return TRUE;
  return FALSE;
}

/* TRUE if a job of @queue before @until (all of it if NULL) meets @job */
static gboolean
meets_any_queued (GQueue    *queue,
                  GList     *until,
                  const Job *job)
{
  GList *l;

  for (l = queue->head; l != until; l = l->next)
    if (jobs_meet (job, l->data))
      return TRUE;
  return FALSE;
}

static guint
count_running (KmoddWorker    *worker,
               KmoddWorkerLane lane)
{
  guint i, n = 0;

  for (i = 0; i < worker->running->len; i++)
    n += ((Job *) g_ptr_array_index (worker->running, i))->lane == lane;
  return n;
}

/* The next job that may start now, taken off its queue; NULL if none.
 * Called with the lock held. */
static Job *
pick (KmoddWorker *worker)
{
  GQueue *root = &worker->queued[KMODD_WORKER_LANE_ROOT];
  GQueue *user = &worker->queued[KMODD_WORKER_LANE_USER];
  GList *l;

  for (l = root->head; l != NULL; l = l->next)
    if (!meets_any_running (worker, l->data) && !meets_any_queued (root, l, l->data))
      {
        Job *job = l->data;

        g_queue_delete_link (root, l);
        return job;
      }

  if (worker->max_threads > 1 &&
      count_running (worker, KMODD_WORKER_LANE_USER) >= worker->max_threads - 1)
    return NULL;

  for (l = user->head; l != NULL; l = l->next)
    if (!meets_any_running (worker, l->data) && !meets_any_queued (user, l, l->data) &&
        !meets_any_queued (root, NULL, l->data))
      {
        Job *job = l->data;

        g_queue_delete_link (user, l);
        return job;
      }
  return NULL;
}

static void
run (KmoddKernel *kernel,
     Job         *job)
{
  GMainContext *context;

  if (g_task_return_error_if_cancelled (job->task))
    g_debug ("Dropping a request whose caller went away");
  else if (kernel == NULL)
    g_task_return_new_error (job->task, KMODD_ERROR, KMODD_ERROR_FAILED,
                             "The service has no libkmod context");
  else
    job->func (kernel, job->task);

  /* The task's data (the request) belongs to the thread that made the
   * task: the last reference must not be dropped here, where it would be
   * freed on this thread, unseen by the main loop. */
  context = g_task_get_context (job->task);
  g_main_context_invoke (context, unref_task, g_steal_pointer (&job->task));
}

static gpointer
worker_thread (gpointer data)
{
  KmoddWorker *worker = data;
  g_autoptr(KmoddKernel) kernel = NULL;
  g_autoptr(GError) error = NULL;

  kernel = kmodd_kernel_new (&error);
  if (kernel == NULL)
    g_warning ("A worker has no libkmod context: %s", error->message);

  g_mutex_lock (&worker->lock);
  for (;;)
    {
      Job *job = pick (worker);

      if (job == NULL)
        {
          if (worker->stopping)
            break;
          worker->n_waiting++;
          g_cond_wait (&worker->cond, &worker->lock);
          worker->n_waiting--;
          continue;
        }

      g_ptr_array_add (worker->running, job);
      g_mutex_unlock (&worker->lock);

      run (kernel, job);

      g_mutex_lock (&worker->lock);
      g_ptr_array_remove_fast (worker->running, job);
      worker->pending[job->lane]--;
      job_free (job);
      /* what waited for this job's keys may start now */
      g_cond_broadcast (&worker->cond);
    }
  g_mutex_unlock (&worker->lock);

  return NULL;
}

KmoddWorker *
kmodd_worker_new (guint max_threads,
                  guint max_queued)
{
  KmoddWorker *worker = g_new0 (KmoddWorker, 1);
  guint i;

  g_mutex_init (&worker->lock);
  g_cond_init (&worker->cond);
  for (i = 0; i < KMODD_WORKER_N_LANES; i++)
    g_queue_init (&worker->queued[i]);
  worker->running = g_ptr_array_new ();
  worker->threads = g_ptr_array_new ();
  worker->max_threads = MAX (max_threads, 1);
  worker->max_queued = max_queued;
  return worker;
}

/* Answers every job still queued with KMODD_ERROR_STOPPING, at once; the
 * ones running are not touched. Returns how many there were. */
guint
kmodd_worker_cancel_queued (KmoddWorker *worker)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&worker->lock);
  guint i, n = 0;
  Job *job;

  for (i = 0; i < KMODD_WORKER_N_LANES; i++)
    while ((job = g_queue_pop_head (&worker->queued[i])) != NULL)
      {
        g_task_return_new_error (job->task, KMODD_ERROR, KMODD_ERROR_STOPPING,
                                 "The service is stopping; the request was not done");
        worker->pending[i]--;
        job_free (job);
        n++;
      }
  return n;
}

void
kmodd_worker_free (KmoddWorker *worker)
{
  guint i;

  if (worker == NULL)
    return;

  /* Jobs still queued are answered; the ones running finish first. */
  kmodd_worker_cancel_queued (worker);
  g_mutex_lock (&worker->lock);
  worker->stopping = TRUE;
  g_cond_broadcast (&worker->cond);
  g_mutex_unlock (&worker->lock);

  for (i = 0; i < worker->threads->len; i++)
    g_thread_join (g_ptr_array_index (worker->threads, i));
  g_ptr_array_unref (worker->threads);
  g_ptr_array_unref (worker->running);
  g_cond_clear (&worker->cond);
  g_mutex_clear (&worker->lock);
  g_free (worker);
}

gboolean
kmodd_worker_push (KmoddWorker        *worker,
                   GTask              *task,
                   KmoddJobFunc        func,
                   KmoddWorkerLane     lane,
                   const char * const *keys,
                   GError            **error)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&worker->lock);
  Job *job;

  if (worker->stopping)
    {
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_STOPPING,
                           "The service is stopping; the request was not done");
      return FALSE;
    }
  if (worker->pending[lane] >= worker->max_queued)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED,
                   "Too many requests are waiting (%u); try again later",
                   worker->max_queued);
      return FALSE;
    }

  job = g_new0 (Job, 1);
  job->task = g_object_ref (task);
  job->func = func;
  job->lane = lane;
  job->keys = keys ? g_strdupv ((GStrv) keys) : NULL;
  g_queue_push_tail (&worker->queued[lane], job);
  worker->pending[lane]++;

  if (worker->n_waiting == 0 && worker->threads->len < worker->max_threads)
    g_ptr_array_add (worker->threads,
                     g_thread_new ("kmodd-worker", worker_thread, worker));
  g_cond_broadcast (&worker->cond);
  return TRUE;
}

guint
kmodd_worker_get_pending (KmoddWorker *worker)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&worker->lock);
  guint i, n = 0;

  for (i = 0; i < KMODD_WORKER_N_LANES; i++)
    n += worker->pending[i];
  return n;
}
