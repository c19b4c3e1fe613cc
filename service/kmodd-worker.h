/* kmodd-worker.h: the one thread that changes the kernel.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kmodd-kernel.h"

G_BEGIN_DECLS

typedef struct _KmoddWorker KmoddWorker;

/* Runs on the worker thread, with the worker's own libkmod context; it
 * must return a result on @task. */
typedef void (*KmoddJobFunc) (KmoddKernel *kernel,
                              GTask       *task);

KmoddWorker *kmodd_worker_new (guint max_queued);
void kmodd_worker_free (KmoddWorker *worker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddWorker, kmodd_worker_free)

gboolean kmodd_worker_push (KmoddWorker *worker,
                            GTask       *task,
                            KmoddJobFunc func,
                            GError     **error);

guint kmodd_worker_get_pending (KmoddWorker *worker);

guint kmodd_worker_cancel_queued (KmoddWorker *worker);

G_END_DECLS
