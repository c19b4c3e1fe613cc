/* kmodd-worker.h: the threads that change the kernel (kmodd-worker.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kmodd-kernel.h"

G_BEGIN_DECLS

typedef struct _KmoddWorker KmoddWorker;

typedef enum {
  KMODD_WORKER_LANE_ROOT, /* uid 0 and the AutoClean timer: served first */
  KMODD_WORKER_LANE_USER,
  KMODD_WORKER_N_LANES,
} KmoddWorkerLane;

/* Runs on a worker thread, with that thread's own libkmod context; it
 * must return a result on @task. */
typedef void (*KmoddJobFunc) (KmoddKernel *kernel,
                              GTask       *task);

KmoddWorker *kmodd_worker_new (guint max_threads,
                               guint max_queued);
void kmodd_worker_free (KmoddWorker *worker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddWorker, kmodd_worker_free)

gboolean kmodd_worker_push (KmoddWorker        *worker,
                            GTask              *task,
                            KmoddJobFunc        func,
                            KmoddWorkerLane     lane,
                            const char * const *keys,
                            GError            **error);

guint kmodd_worker_get_pending (KmoddWorker *worker);

guint kmodd_worker_cancel_queued (KmoddWorker *worker);

G_END_DECLS
