/* kmodd-autoclean.h: what kmodd knows about the modules it inserted, and
 * kerneld's AUTOCLEAN policy on top of it.
 *
 * Every module a request inserted has a record: who asked, when, and
 * whether it is marked for AutoClean. A marked module has a visited bit:
 * set when it is inserted and whenever it is seen in use; a pass clears it,
 * and removes the marked, unused modules whose bit was already clear.
 *
 * The store is thread-safe: the worker thread adds records and runs passes,
 * the main thread samples, lists and drops records when modules go.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char    *name;
  guint32  uid;       /* who asked */
  gint64   loaded_at; /* µs since the epoch */
  guint64  instance;  /* which load of the module (0: unknown) */
  gboolean autoclean;
  gboolean visited;
  guint64  stamp;     /* the generation that made it (set by KmoddAutoclean) */
  char    *parameters; /* the "parameters" it was loaded with, normalized; NULL: none */
} KmoddRecord;

void kmodd_record_free (KmoddRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddRecord, kmodd_record_free)

/* How a pass sees and changes the kernel; the daemon implements it with
 * libkmod, the unit tests with a table. */
typedef struct {
  /* FALSE when the module is not loaded. @refcount is -1 for a module
   * that can never be removed; @n_devices counts the devices bound to
   * its drivers; @instance tells this load of the module from an earlier
   * one of the same name. */
  gboolean (*get_usage)(gpointer    data,
                        const char *module,
                        gint       *refcount,
                        guint      *n_holders,
                        guint      *n_devices,
                        gboolean   *live,
                        guint64    *instance);
  GStrv    (*get_dependencies)(gpointer    data,
                               const char *module);
  gboolean (*remove)(gpointer    data,
                     const char *module,
                     GError    **error);
  gpointer data;
} KmoddKernelView;

typedef struct _KmoddAutoclean KmoddAutoclean;

KmoddAutoclean *kmodd_autoclean_new (void);
void kmodd_autoclean_free (KmoddAutoclean *ac);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddAutoclean, kmodd_autoclean_free)

void kmodd_autoclean_record (KmoddAutoclean *ac,
                             const char     *name,
                             guint32         uid,
                             gint64          loaded_at,
                             guint64         instance,
                             gboolean        autoclean);
void kmodd_autoclean_set_parameters (KmoddAutoclean *ac,
                                     const char     *name,
                                     const char     *parameters);
gboolean kmodd_autoclean_forget_other_instance (KmoddAutoclean *ac,
                                                const char     *name,
                                                guint64         instance);
void kmodd_autoclean_restore (KmoddAutoclean    *ac,
                              const KmoddRecord *record);
gboolean kmodd_autoclean_forget (KmoddAutoclean *ac,
                                 const char     *name);
KmoddRecord *kmodd_autoclean_lookup (KmoddAutoclean *ac,
                                     const char     *name);
GPtrArray *kmodd_autoclean_snapshot (KmoddAutoclean *ac);
guint kmodd_autoclean_count_marks (KmoddAutoclean *ac);
guint64 kmodd_autoclean_get_generation (KmoddAutoclean *ac);
gboolean kmodd_autoclean_retain (KmoddAutoclean *ac,
                                 GHashTable     *loaded,
                                 guint64         seen_generation);

gboolean kmodd_autoclean_sample (KmoddAutoclean        *ac,
                                 const KmoddKernelView *view);
GStrv kmodd_autoclean_pass (KmoddAutoclean        *ac,
                            const KmoddKernelView *view,
                            gboolean               all,
                            gboolean              *out_changed);

/* When to sample and when to pass, on a clock the caller provides. */
typedef enum {
  KMODD_AUTOCLEAN_DUE_NOTHING,
  KMODD_AUTOCLEAN_DUE_SAMPLE,
  KMODD_AUTOCLEAN_DUE_PASS,
} KmoddAutocleanDue;

typedef struct {
  gint64 interval; /* µs; 0: off */
  guint  samples;  /* per interval */
  gint64 next_pass;
  gint64 next_sample;
} KmoddAutocleanTimer;

void kmodd_autoclean_timer_init (KmoddAutocleanTimer *timer,
                                 guint                interval_s,
                                 guint                samples,
                                 gint64               now);
KmoddAutocleanDue kmodd_autoclean_timer_due (KmoddAutocleanTimer *timer,
                                             gint64               now);
gint64 kmodd_autoclean_timer_next (const KmoddAutocleanTimer *timer);

G_END_DECLS
